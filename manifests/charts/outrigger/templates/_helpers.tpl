{{/* The revision this release installs. */}}
{{- define "outrigger.revision" -}}
{{- required "revision must not be empty (use default)" .Values.revision -}}
{{- end }}

{{/* outrigger for the revision "default", outrigger-REVISION otherwise: Deployment, Service, accounts, roles. */}}
{{- define "outrigger.name" -}}
{{- $rev := include "outrigger.revision" . -}}
{{- if eq $rev "default" }}outrigger{{ else }}outrigger-{{ $rev }}{{ end -}}
{{- end }}

{{/* "" for the revision "default", -REVISION otherwise (the webhook configurations' names). */}}
{{- define "outrigger.suffix" -}}
{{- $rev := include "outrigger.revision" . -}}
{{- if ne $rev "default" }}-{{ $rev }}{{ end -}}
{{- end }}

{{/* Labels of every object of the release but the webhook configurations (those carry the webhook's own). */}}
{{- define "outrigger.labels" -}}
app: outrigger
app.kubernetes.io/part-of: outrigger
outrigger.io/rev: {{ include "outrigger.revision" . }}
{{- end }}

{{/* The revision's Service host: what sidecars verify, and dial unless controlPlane.address says otherwise. */}}
{{- define "outrigger.serviceHost" -}}
{{ include "outrigger.name" . }}.{{ .Release.Namespace }}.svc
{{- end }}
