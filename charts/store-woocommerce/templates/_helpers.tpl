{{/*
Shared definitions. Object names are fixed on purpose (see values.yaml): one store per namespace.
*/}}

{{- define "store-woocommerce.name" -}}
store-woocommerce
{{- end }}

{{/* The validated store id: required, 12 lowercase hex characters. */}}
{{- define "store-woocommerce.storeId" -}}
{{- $id := required "store.id is required: set the store's 12-character lowercase hex id (e.g. --set store.id=0123456789ab)" .Values.store.id | toString -}}
{{- if not (regexMatch "^[0-9a-f]{12}$" $id) -}}
{{- fail (printf "store.id %q is invalid: it must be exactly 12 lowercase hex characters" $id) -}}
{{- end -}}
{{- $id -}}
{{- end }}

{{/* The validated public host name of the storefront. */}}
{{- define "store-woocommerce.host" -}}
{{- $host := required "store.host is required: set the storefront's public host name (e.g. --set store.host=0123456789ab.localhost)" .Values.store.host | toString -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" $host) -}}
{{- fail (printf "store.host %q is invalid: it must be a lowercase DNS name such as 0123456789ab.localhost" $host) -}}
{{- end -}}
{{- $host -}}
{{- end }}

{{/* The store's public URL: https when the Ingress terminates TLS. */}}
{{- define "store-woocommerce.url" -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) (include "store-woocommerce.host" .) -}}
{{- end }}

{{/*
Labels of every object and pod template. Call with (dict "ctx" $ "component" "database").
component is one of database | storefront | setup.
*/}}
{{- define "store-woocommerce.labels" -}}
{{ include "store-woocommerce.selectorLabels" . }}
app.kubernetes.io/part-of: urumi
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
urumi.io/store-id: {{ include "store-woocommerce.storeId" .ctx | quote }}
{{- end }}

{{/* Labels of top-level objects: the common ones plus the chart version (never on pod templates). */}}
{{- define "store-woocommerce.objectLabels" -}}
{{ include "store-woocommerce.labels" . }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | quote }}
{{- end }}

{{/* Immutable selector labels. Call with (dict "ctx" $ "component" "..."). */}}
{{- define "store-woocommerce.selectorLabels" -}}
app.kubernetes.io/name: {{ include "store-woocommerce.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Annotations from a values map, each value rendered as a string. Call with the map. */}}
{{- define "store-woocommerce.annotations" -}}
{{- $lines := list -}}
{{- range $key, $value := . -}}
{{- $lines = append $lines (printf "%s: %s" ($key | quote) ($value | toString | quote)) -}}
{{- end -}}
{{- join "\n" $lines -}}
{{- end }}

{{/* repository:tag@digest of one entry of .Values.images. Call with (list $ "wordpress"). */}}
{{- define "store-woocommerce.image" -}}
{{- $ctx := index . 0 -}}
{{- $key := index . 1 -}}
{{- $image := index $ctx.Values.images $key -}}
{{- $repository := required (printf "images.%s.repository is required" $key) $image.repository -}}
{{- $tag := required (printf "images.%s.tag is required" $key) ($image.tag | toString) -}}
{{- $digest := required (printf "images.%s.digest is required: images are pinned by digest" $key) $image.digest -}}
{{- if not (regexMatch "^sha256:[0-9a-f]{64}$" $digest) -}}
{{- fail (printf "images.%s.digest %q is not a sha256 digest (sha256:<64 hex>)" $key $digest) -}}
{{- end -}}
{{- printf "%s:%s@%s" $repository $tag $digest -}}
{{- end }}

{{/* The container securityContext every container uses. */}}
{{- define "store-woocommerce.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
{{- end }}

{{/* Pod securityContext for a given uid/gid. Call with the uid (33 www-data, 999 mysql). */}}
{{- define "store-woocommerce.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Secret environment of every container that runs WordPress code (the WordPress container and both
setup Job containers), as env list items. Values come only from the engine's Secrets; plain settings
come from the wordpress-env ConfigMap via envFrom.
*/}}
{{- define "store-woocommerce.wordpressSecretEnv" -}}
- name: WORDPRESS_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: password
{{- range $env, $key := dict "WORDPRESS_AUTH_KEY" "auth-key" "WORDPRESS_SECURE_AUTH_KEY" "secure-auth-key" "WORDPRESS_LOGGED_IN_KEY" "logged-in-key" "WORDPRESS_NONCE_KEY" "nonce-key" "WORDPRESS_AUTH_SALT" "auth-salt" "WORDPRESS_SECURE_AUTH_SALT" "secure-auth-salt" "WORDPRESS_LOGGED_IN_SALT" "logged-in-salt" "WORDPRESS_NONCE_SALT" "nonce-salt" }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.wordpress.existingSecret }}
      key: {{ $key }}
{{- end }}
{{- end }}

{{/* The volumes that hold WordPress: core in an emptyDir, wp-content on its PVC. */}}
{{- define "store-woocommerce.wordpressVolumeMounts" -}}
- name: html
  mountPath: /var/www/html
- name: wp-content
  mountPath: /var/www/html/wp-content
- name: tmp
  mountPath: /tmp
- name: wordpress-config
  mountPath: /usr/local/etc/php/conf.d/zz-platform.ini
  subPath: zz-platform.ini
  readOnly: true
{{- end }}

{{/* nodeSelector and tolerations of every pod of the store (.Values.scheduling); nothing when unset. */}}
{{- define "store-woocommerce.scheduling" -}}
{{- with .Values.scheduling.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.scheduling.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
