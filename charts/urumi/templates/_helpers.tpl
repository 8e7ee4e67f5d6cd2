{{/*
Shared definitions. Names derive from the release (urumi-<...> unless the release name already
contains "urumi"), so several releases, e.g. parallel tests, never share a cluster-scoped object.
*/}}

{{- define "urumi.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{/* The release's base name; at most 40 characters so every suffixed name below stays a valid name. */}}
{{- define "urumi.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end }}

{{- define "urumi.serviceAccountName" -}}
{{- default (include "urumi.fullname" .) .Values.serviceAccount.name -}}
{{- end }}

{{/* The ClusterRole the engine binds into every store namespace (and only there). */}}
{{- define "urumi.storeClusterRole" -}}
{{- default (printf "%s-store" (include "urumi.fullname" .)) .Values.rbac.storeClusterRole -}}
{{- end }}

{{/* The cluster-wide ClusterRole of the platform itself. */}}
{{- define "urumi.platformClusterRole" -}}
{{- printf "%s-platform" (include "urumi.fullname" .) -}}
{{- end }}

{{- define "urumi.postgresqlName" -}}
{{- printf "%s-postgresql" (include "urumi.fullname" .) -}}
{{- end }}

{{/*
Labels of every object and pod template. Call with (dict "ctx" $ "component" "api").
component is one of api | database | rbac.
*/}}
{{- define "urumi.labels" -}}
{{ include "urumi.selectorLabels" . }}
app.kubernetes.io/part-of: urumi
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end }}

{{/* Labels of top-level objects: the common ones plus the chart version (never on pod templates). */}}
{{- define "urumi.objectLabels" -}}
{{ include "urumi.labels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | quote }}
{{- end }}

{{/* Immutable selector labels. Call with (dict "ctx" $ "component" "..."). */}}
{{- define "urumi.selectorLabels" -}}
app.kubernetes.io/name: {{ include "urumi.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Annotations from a values map, each value rendered as a string. Call with the map. */}}
{{- define "urumi.annotations" -}}
{{- $lines := list -}}
{{- range $key, $value := . -}}
{{- $lines = append $lines (printf "%s: %s" ($key | quote) ($value | toString | quote)) -}}
{{- end -}}
{{- join "\n" $lines -}}
{{- end }}

{{/* Urumi's image: repository:tag, plus @digest when one is set. */}}
{{- define "urumi.image" -}}
{{- $repository := required "image.repository is required: the registry path of the image built from images/urumi/Dockerfile (e.g. registry.example.com/urumi)" .Values.image.repository -}}
{{- $image := printf "%s:%s" $repository (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- with .Values.image.digest -}}
{{- $image = printf "%s@%s" $image . -}}
{{- end -}}
{{- $image -}}
{{- end }}

{{/* PostgreSQL's image: always repository:tag@digest. */}}
{{- define "urumi.postgresqlImage" -}}
{{- $image := .Values.postgresql.image -}}
{{- printf "%s:%s@%s" $image.repository ($image.tag | toString) $image.digest -}}
{{- end }}

{{/* The container securityContext every container uses. */}}
{{- define "urumi.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
{{- end }}

{{/* Pod securityContext for a given uid/gid. Call with the uid (1000 node, 999 postgres). */}}
{{- define "urumi.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Where DATABASE_URL comes from: "bundled" (the chart's PostgreSQL StatefulSet), "url" (a Secret this
chart writes from database.external.url) or "secret" (database.external.existingSecret). Exactly one
must be chosen; anything else fails the render with what to set.
*/}}
{{- define "urumi.databaseSource" -}}
{{- $external := .Values.database.external -}}
{{- if and $external.url $external.existingSecret -}}
{{- fail "database.external.url and database.external.existingSecret are exclusive: set one" -}}
{{- end -}}
{{- if .Values.postgresql.enabled -}}
{{- if or $external.url $external.existingSecret -}}
{{- fail "an external database is set (database.external.*) while postgresql.enabled is true: set postgresql.enabled=false to use the external one" -}}
{{- end -}}
bundled
{{- else if $external.url -}}
url
{{- else if $external.existingSecret -}}
secret
{{- else -}}
{{- fail "no database: keep postgresql.enabled=true (the bundled PostgreSQL), or set database.external.url or database.external.existingSecret" -}}
{{- end -}}
{{- end }}

{{/* The Secret and key holding the admin API token. */}}
{{- define "urumi.adminTokenSecret" -}}
{{- default (printf "%s-admin-token" (include "urumi.fullname" .)) .Values.adminToken.existingSecret -}}
{{- end }}

{{/* The Secret and key holding the bundled PostgreSQL's password. */}}
{{- define "urumi.postgresqlSecret" -}}
{{- default (include "urumi.postgresqlName" .) .Values.postgresql.auth.existingSecret -}}
{{- end }}

{{/*
A value generated once and kept: the key's current value in the release's Secret when it exists
(so `helm upgrade` never regenerates it), else a new random one. Call with
(dict "ctx" $ "secret" "<name>" "key" "<key>" "prefix" "<prefix>" "length" <n>); returns base64.
*/}}
{{- define "urumi.generatedValue" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- $current := "" -}}
{{- if $existing -}}
{{- $current = index ($existing.data | default dict) .key | default "" -}}
{{- end -}}
{{- if $current -}}
{{- $current -}}
{{- else -}}
{{- printf "%s%s" .prefix (randAlphaNum (int .length)) | b64enc -}}
{{- end -}}
{{- end }}

{{/* CEL: whether the namespace object named by the argument carries app.kubernetes.io/managed-by=urumi. */}}
{{- define "urumi.isManaged" -}}
{{ . }} != null && has({{ . }}.metadata.labels) && 'app.kubernetes.io/managed-by' in {{ . }}.metadata.labels && {{ . }}.metadata.labels['app.kubernetes.io/managed-by'] == 'urumi'
{{- end }}
