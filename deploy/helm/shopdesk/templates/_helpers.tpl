{{/* Names and the pieces every shopdesk container shares. */}}

{{- define "shopdesk.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "shopdesk.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: include "shopdesk.selector" (list . "rasa") */}}
{{- define "shopdesk.selector" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "shopdesk.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "shopdesk.fullname" .)) -}}
{{- end -}}

{{- define "shopdesk.image" -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag -}}
{{- end -}}

{{/* An environment variable from the chart's Secret: include "shopdesk.secretEnv" (list . "SHOPDESK_API_TOKEN" "api-token") */}}
{{- define "shopdesk.secretEnv" -}}
{{- $root := index . 0 -}}
- name: {{ index . 1 }}
  valueFrom:
    secretKeyRef:
      name: {{ include "shopdesk.secretName" $root }}
      key: {{ index . 2 }}
{{- end -}}

{{/* What every shopdesk container gets: the config map and the database URLs. */}}
{{- define "shopdesk.commonEnv" -}}
- name: SHOPDESK_DATA_DIR
  value: /data
{{ include "shopdesk.secretEnv" (list . "SHOPDESK_DATABASE_URL" "database-url") }}
{{ include "shopdesk.secretEnv" (list . "SHOPDESK_TRACKER_STORE_URL" "tracker-store-url") }}
{{- end -}}

{{/* Probes at the process's own health endpoints: include "shopdesk.probes" (list port live ready startupFailures) */}}
{{- define "shopdesk.probes" -}}
{{- $port := index . 0 -}}
startupProbe:
  httpGet: {path: {{ index . 1 }}, port: {{ $port }}}
  periodSeconds: 10
  failureThreshold: {{ index . 3 }}
livenessProbe:
  httpGet: {path: {{ index . 1 }}, port: {{ $port }}}
  periodSeconds: 15
  timeoutSeconds: 5
  failureThreshold: 4
readinessProbe:
  httpGet: {path: {{ index . 2 }}, port: {{ $port }}}
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 3
{{- end -}}
