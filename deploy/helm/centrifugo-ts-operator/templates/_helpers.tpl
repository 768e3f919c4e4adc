{{/* Name of the chart, or nameOverride. */}}
{{- define "centrifugo-ts-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Full name of the release's objects: fullnameOverride, else the release name when it already
contains the chart name, else <release>-<chart>; at most 63 characters.
*/}}
{{- define "centrifugo-ts-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "centrifugo-ts-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: name and instance only (selectors are immutable; never the version). */}}
{{- define "centrifugo-ts-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "centrifugo-ts-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The recommended labels, but component. */}}
{{- define "centrifugo-ts-operator.baseLabels" -}}
helm.sh/chart: {{ include "centrifugo-ts-operator.chart" . }}
{{ include "centrifugo-ts-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ include "centrifugo-ts-operator.versionLabel" . | quote }}
app.kubernetes.io/part-of: centrifugo-ts
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The recommended labels of the operator's objects. */}}
{{- define "centrifugo-ts-operator.labels" -}}
{{ include "centrifugo-ts-operator.baseLabels" . }}
app.kubernetes.io/component: operator
{{- end -}}

{{/* The version label: the image tag as a valid label value; the appVersion for a digest. */}}
{{- define "centrifugo-ts-operator.versionLabel" -}}
{{- $tag := include "centrifugo-ts-operator.tag" . -}}
{{- if hasPrefix "sha256:" $tag -}}{{- $tag = .Chart.AppVersion -}}{{- end -}}
{{- $label := regexReplaceAll "[^A-Za-z0-9_.-]" $tag "_" | trunc 63 -}}
{{- regexReplaceAll "^[^A-Za-z0-9]+|[^A-Za-z0-9]+$" $label "" -}}
{{- end -}}

{{- define "centrifugo-ts-operator.tag" -}}
{{- default .Chart.AppVersion .Values.image.tag -}}
{{- end -}}

{{/* repository:tag, or repository@sha256:... when the tag is a digest. */}}
{{- define "centrifugo-ts-operator.image" -}}
{{- $tag := include "centrifugo-ts-operator.tag" . -}}
{{- if hasPrefix "sha256:" $tag -}}
{{- printf "%s@%s" .Values.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "centrifugo-ts-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "centrifugo-ts-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The namespace watched under rbac.scope=namespace. */}}
{{- define "centrifugo-ts-operator.watchNamespace" -}}
{{- default .Release.Namespace .Values.watchNamespace -}}
{{- end -}}

{{/* Checks that hold across values; the schema checks each value alone. */}}
{{- define "centrifugo-ts-operator.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) -}}
{{- fail "replicaCount > 1 needs leaderElection.enabled: two active operators would fight over every object" -}}
{{- end -}}
{{- if ge (int .Values.leaderElection.renewDeadline) (int .Values.leaderElection.leaseDuration) -}}
{{- fail "leaderElection.renewDeadline must be shorter than leaderElection.leaseDuration" -}}
{{- end -}}
{{- if and .Values.watchNamespace (ne .Values.rbac.scope "namespace") -}}
{{- fail "watchNamespace is only used with rbac.scope=namespace" -}}
{{- end -}}
{{- end -}}
