{{/*
Shared definitions. Object names are fixed on purpose (see values.yaml): one store per namespace.
*/}}

{{- define "store-medusa.name" -}}
store-medusa
{{- end }}

{{/* The validated store id: required, 12 lowercase hex characters. */}}
{{- define "store-medusa.storeId" -}}
{{- $id := required "store.id is required: set the store's 12-character lowercase hex id (e.g. --set store.id=0123456789ab)" .Values.store.id | toString -}}
{{- if not (regexMatch "^[0-9a-f]{12}$" $id) -}}
{{- fail (printf "store.id %q is invalid: it must be exactly 12 lowercase hex characters" $id) -}}
{{- end -}}
{{- $id -}}
{{- end }}

{{/* The validated public host name of the store. */}}
{{- define "store-medusa.host" -}}
{{- $host := required "store.host is required: set the store's public host name (e.g. --set store.host=0123456789ab.localhost)" .Values.store.host | toString -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" $host) -}}
{{- fail (printf "store.host %q is invalid: it must be a lowercase DNS name such as 0123456789ab.localhost" $host) -}}
{{- end -}}
{{- $host -}}
{{- end }}

{{/* The store's public URL: https when the Ingress terminates TLS. */}}
{{- define "store-medusa.url" -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) (include "store-medusa.host" .) -}}
{{- end }}

{{/*
Labels of every object and pod template. Call with (dict "ctx" $ "component" "database").
component is one of database | cache | server | worker | migrations | admin.
*/}}
{{- define "store-medusa.labels" -}}
{{ include "store-medusa.selectorLabels" . }}
app.kubernetes.io/part-of: urumi
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
urumi.io/store-id: {{ include "store-medusa.storeId" .ctx | quote }}
{{- end }}

{{/* Labels of top-level objects: the common ones plus the chart version (never on pod templates). */}}
{{- define "store-medusa.objectLabels" -}}
{{ include "store-medusa.labels" . }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | quote }}
{{- end }}

{{/* Immutable selector labels. Call with (dict "ctx" $ "component" "..."). */}}
{{- define "store-medusa.selectorLabels" -}}
app.kubernetes.io/name: {{ include "store-medusa.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Annotations from a values map, each value rendered as a string. Call with the map. */}}
{{- define "store-medusa.annotations" -}}
{{- $lines := list -}}
{{- range $key, $value := . -}}
{{- $lines = append $lines (printf "%s: %s" ($key | quote) ($value | toString | quote)) -}}
{{- end -}}
{{- join "\n" $lines -}}
{{- end }}

{{/*
repository:tag@digest of one entry of .Values.images. Call with (list $ "postgres"). Only the
medusa image (built by the operator from images/medusa) may have an empty digest: it then renders
as repository:tag.
*/}}
{{- define "store-medusa.image" -}}
{{- $ctx := index . 0 -}}
{{- $key := index . 1 -}}
{{- $image := index $ctx.Values.images $key -}}
{{- $repository := required (printf "images.%s.repository is required" $key) $image.repository -}}
{{- $tag := required (printf "images.%s.tag is required" $key) ($image.tag | toString) -}}
{{- $digest := $image.digest | default "" -}}
{{- if and (eq $digest "") (ne $key "medusa") -}}
{{- fail (printf "images.%s.digest is required: official images are pinned by digest" $key) -}}
{{- end -}}
{{- if $digest -}}
{{- if not (regexMatch "^sha256:[0-9a-f]{64}$" $digest) -}}
{{- fail (printf "images.%s.digest %q is not a sha256 digest (sha256:<64 hex>)" $key $digest) -}}
{{- end -}}
{{- printf "%s:%s@%s" $repository $tag $digest -}}
{{- else -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end }}

{{/* The container securityContext every container uses. */}}
{{- define "store-medusa.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
{{- end }}

{{/* Pod securityContext for a given uid/gid. Call with the uid (999 postgres/redis, 1000 node). */}}
{{- define "store-medusa.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Environment of every container that runs Medusa (server, worker, both Jobs), as env list items.
Passwords come only from the engine's Secrets; DATABASE_URL and REDIS_URL are composed by the
kubelet with dependent variable expansion ($(VAR) of an earlier entry), so no URL with a password
sits in a values file, a ConfigMap or the release. Plain settings come from ConfigMap medusa-env.
The engine's passwords are base64url, so they need no escaping inside a URL.
*/}}
{{- define "store-medusa.medusaEnv" -}}
- name: DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: password
- name: DATABASE_URL
  value: postgres://medusa:$(DB_PASSWORD)@postgres:5432/medusa?sslmode=disable
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret }}
      key: password
- name: REDIS_URL
  value: redis://:$(REDIS_PASSWORD)@redis:6379
- name: JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.medusa.existingSecret }}
      key: jwt-secret
- name: COOKIE_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.medusa.existingSecret }}
      key: cookie-secret
{{- end }}

{{/* Environment of the psql helper containers (postgres image): where and as whom to connect. */}}
{{- define "store-medusa.psqlEnv" -}}
- name: PGHOST
  value: postgres
- name: PGPORT
  value: '5432'
- name: PGUSER
  value: medusa
- name: PGDATABASE
  value: medusa
- name: PGCONNECT_TIMEOUT
  value: '5'
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: password
- name: WAIT_SECONDS
  value: {{ .Values.migrations.waitSeconds | quote }}
# The migrations marker is per Medusa image: a new image waits for its own migrations.
- name: MEDUSA_IMAGE
  value: {{ include "store-medusa.image" (list . "medusa") | quote }}
{{- end }}

{{/*
An init container that blocks until Job medusa-migrations recorded its success for this Medusa
image (files/medusa-db.sh wait-for-migrations). Call with the root context.
*/}}
{{- define "store-medusa.waitForMigrations" -}}
- name: wait-for-migrations
  image: {{ include "store-medusa.image" (list . "postgres") }}
  imagePullPolicy: {{ .Values.images.pullPolicy }}
  command: [sh, /opt/urumi/medusa-db.sh, wait-for-migrations]
  env:
    {{- include "store-medusa.psqlEnv" . | nindent 4 }}
  resources:
    {{- toYaml .Values.migrations.helperResources | nindent 4 }}
  securityContext:
    {{- include "store-medusa.containerSecurityContext" . | nindent 4 }}
    # The postgres image's user; the Medusa pod runs as node (1000).
    runAsUser: 999
    runAsGroup: 999
  volumeMounts:
    - name: scripts
      mountPath: /opt/urumi
      readOnly: true
    - name: tmp
      mountPath: /tmp
{{- end }}

{{/* The volume holding files/medusa-db.sh (and files/medusa-admin.sh). */}}
{{- define "store-medusa.scriptsVolume" -}}
- name: scripts
  configMap:
    name: medusa-scripts
    defaultMode: 0444
{{- end }}

{{/* nodeSelector and tolerations of every pod of the store (.Values.scheduling); nothing when unset. */}}
{{- define "store-medusa.scheduling" -}}
{{- with .Values.scheduling.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.scheduling.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
