{{- define "aigc.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 50 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "aigc.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "aigc.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "aigc.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* Replicas of one component on different nodes where the scheduler can: one node's loss is not an outage. */}}
{{- define "aigc.spread" -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels: {{- include "aigc.selector" (dict "root" .root "component" .component) | nindent 12 }}
{{- end -}}

{{- define "aigc.gatewayAuthUrl" -}}
http://{{ include "aigc.fullname" . }}-gateway.{{ .Release.Namespace }}.svc.cluster.local:{{ .Values.gateway.service.port }}/auth
{{- end -}}

{{/* The gateway Service that wakes suspended instances: this release's own unless set; "-" turns it off. */}}
{{- define "aigc.wakeGatewayService" -}}
{{- $value := .Values.operator.wakeGatewayService | default "" -}}
{{- if eq $value "" -}}
{{ .Release.Namespace }}/{{ include "aigc.fullname" . }}-gateway
{{- else if ne $value "-" -}}
{{ $value }}
{{- end -}}
{{- end -}}

{{- define "aigc.sessionSecret" -}}
{{ .Values.gateway.session.existingSecret | default (printf "%s-session" (include "aigc.fullname" .)) }}
{{- end -}}

{{/* The ConfigMap where sign-outs are recorded, in the release's namespace (created by the gateway). */}}
{{- define "aigc.revokedSessions" -}}
{{ include "aigc.fullname" . }}-revoked-sessions
{{- end -}}

{{- define "aigc.oidcSecret" -}}
{{ .Values.gateway.oidc.existingSecret | default (printf "%s-oidc" (include "aigc.fullname" .)) }}
{{- end -}}

{{/* Restricted pod security: non-root, read-only root, no privilege escalation, no capabilities. */}}
{{- define "aigc.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "aigc.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Binds a component's ClusterRole: cluster-wide, or in each watched namespace only (RoleBindings). */}}
{{- define "aigc.bindings" -}}
{{- $root := .root -}}
{{- $name := printf "%s-%s" (include "aigc.fullname" $root) .component -}}
{{- if $root.Values.watchNamespaces }}
{{- range $ns := $root.Values.watchNamespaces }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ $name }}
  namespace: {{ $ns }}
  labels: {{- include "aigc.labels" $root | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ $name }}
subjects:
  - kind: ServiceAccount
    name: {{ $name }}
    namespace: {{ $root.Release.Namespace }}
{{- end }}
{{- else }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ $name }}
  labels: {{- include "aigc.labels" $root | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ $name }}
subjects:
  - kind: ServiceAccount
    name: {{ $name }}
    namespace: {{ $root.Release.Namespace }}
{{- end }}
{{- end -}}
