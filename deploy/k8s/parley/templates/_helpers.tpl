{{/* Chart name. */}}
{{- define "parley.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-chart, or the release name if it already contains the chart name. */}}
{{- define "parley.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "parley.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of everything the chart makes, without a component. */}}
{{- define "parley.commonLabels" -}}
helm.sh/chart: {{ include "parley.chart" . }}
app.kubernetes.io/name: {{ include "parley.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selects the serving pods only (never the migration Job's pod). */}}
{{- define "parley.selectorLabels" -}}
app.kubernetes.io/name: {{ include "parley.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "parley.labels" -}}
{{ include "parley.commonLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{- define "parley.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* PARLEY_DATABASE_URL from the existing Secret. */}}
{{- define "parley.databaseUrlEnv" -}}
- name: PARLEY_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "existingSecret.name is required" .Values.existingSecret.name }}
      key: {{ required "existingSecret.databaseUrlKey is required" .Values.existingSecret.databaseUrlKey }}
{{- end }}

{{/* PARLEY_REDIS_URL from the existing Secret, when configured. */}}
{{- define "parley.redisUrlEnv" -}}
{{- if .Values.existingSecret.redisUrlKey }}
- name: PARLEY_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.existingSecret.name }}
      key: {{ .Values.existingSecret.redisUrlKey }}
{{- end }}
{{- end }}

{{/* A value as plain text; numbers without exponent notation. */}}
{{- define "parley.text" -}}
{{- if or (kindIs "float64" .) (kindIs "int" .) (kindIs "int64" .) }}
{{- int64 . | toString }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}

{{/* Fails on settings the chart cannot honour. */}}
{{- define "parley.validate" -}}
{{- $reserved := list "listen" "database_url" "redis_url" "node_id" "migrate" "tls_cert" "tls_key" "drain_delay_ms" "drain_grace_ms" }}
{{- range $key, $value := .Values.config }}
{{- if has $key $reserved }}
{{- fail (printf "config.%s is set by the chart; remove it from config" $key) }}
{{- end }}
{{- end }}
{{- $drainSeconds := div (add (int64 .Values.drainDelayMs) (int64 .Values.drainGraceMs)) 1000 }}
{{- if le (int64 .Values.terminationGracePeriodSeconds) $drainSeconds }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed (drainDelayMs + drainGraceMs) / 1000 (%d)" (int64 .Values.terminationGracePeriodSeconds) $drainSeconds) }}
{{- end }}
{{- if and .Values.tls.enabled (not .Values.tls.secretName) }}
{{- fail "tls.enabled needs tls.secretName" }}
{{- end }}
{{- if and (or (gt (int64 .Values.replicaCount) 1) .Values.autoscaling.enabled) (not .Values.existingSecret.redisUrlKey) }}
{{- fail "more than one replica needs Redis: set existingSecret.redisUrlKey" }}
{{- end }}
{{- end }}
