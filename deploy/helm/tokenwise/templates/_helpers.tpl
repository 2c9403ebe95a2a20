{{/* The chart label value. */}}
{{- define "tokenwise.chart" -}}
{{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* A service's resource name: <release>-<service>, e.g. tokenwise-cache-service. */}}
{{- define "tokenwise.fullname" -}}
{{ printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels that select a service's pods; never change after install. */}}
{{- define "tokenwise.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{/* Every label a service's objects carry. */}}
{{- define "tokenwise.labels" -}}
{{ include "tokenwise.selectorLabels" . }}
app.kubernetes.io/component: {{ .name }}
app.kubernetes.io/part-of: tokenwise
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "tokenwise.chart" .root }}
{{- end }}

{{/* Labels of the chart's shared objects (dashboards, rules). */}}
{{- define "tokenwise.commonLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: tokenwise
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "tokenwise.chart" . }}
{{- end }}

{{/* A service's settings: the default block with the service's own entry merged over it. */}}
{{- define "tokenwise.settings" -}}
{{- $own := index .root.Values.services .name | default dict -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.default) (deepCopy $own)) -}}
{{- end }}

{{/* The in-cluster URL of one of the release's services: http://<release>-<service>:<port>. */}}
{{- define "tokenwise.serviceUrl" -}}
{{ printf "http://%s:%v" (include "tokenwise.fullname" .) (index .root.Values.services .name "port") }}
{{- end }}

{{/* env entry reading one key of the existing Secret. */}}
{{- define "tokenwise.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.secrets.existingSecret }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}

{{/* Spring Boot properties the chart sets for one service (application.yaml of its ConfigMap). */}}
{{- define "tokenwise.springConfig" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $settings := .settings -}}
{{- $redis := urlParse $root.Values.redis.url -}}
{{- $hostPort := splitList ":" $redis.host -}}
{{- $config := dict "server" (dict "port" $settings.port "shutdown" "graceful") -}}
{{- $_ := set $config "management" (dict "endpoint" (dict "health" (dict "probes" (dict "enabled" true)))) -}}
{{- if ne $name "provider-simulator" -}}
{{- $redisConfig := dict "host" (first $hostPort) "port" (ternary (last $hostPort) "6379" (eq (len $hostPort) 2) | int) "ssl" (dict "enabled" (eq $redis.scheme "rediss")) -}}
{{- $db := trimPrefix "/" $redis.path -}}
{{- if $db }}{{- $_ := set $redisConfig "database" ($db | int) -}}{{- end }}
{{- if $root.Values.redis.username }}{{- $_ := set $redisConfig "username" $root.Values.redis.username -}}{{- end }}
{{- $_ := set $config "spring" (dict "data" (dict "redis" $redisConfig)) -}}
{{- end -}}
{{- if or (eq $name "cost-service") (eq $name "batch-service") -}}
{{- $_ := set $config.spring "datasource" (dict "url" $root.Values.postgresql.url) -}}
{{- end -}}
{{- if eq $name "cost-service" -}}
{{- /* Reconciliation asks the same provider origins as the router for their admin reports. */}}
{{- $_ := set $config "tokenwise" (dict "cost" (dict "reconciliation" (dict
      "openai" (dict "base-url" (tpl $root.Values.providers.openai.baseUrl $root))
      "anthropic" (dict "base-url" (tpl $root.Values.providers.anthropic.baseUrl $root))))) -}}
{{- end -}}
{{- if eq $name "batch-service" -}}
{{- $batchConfig := dict "providers" (dict
      "openai" (dict "base-url" (tpl $root.Values.providers.openai.baseUrl $root))
      "anthropic" (dict "base-url" (tpl $root.Values.providers.anthropic.baseUrl $root))) -}}
{{- /* Queued requests are looked up in, and answers stored to, this release's cache-service. */}}
{{- if (index $root.Values.services "cache-service").enabled -}}
{{- $_ := set $batchConfig "cache" (dict "base-url" (include "tokenwise.serviceUrl" (dict "root" $root "name" "cache-service"))) -}}
{{- else -}}
{{- $_ := set $batchConfig "cache" (dict "enabled" false) -}}
{{- end -}}
{{- /* Webhooks go to public addresses only, but for cost-service, which receives shadow results. */}}
{{- if (index $root.Values.services "cost-service").enabled -}}
{{- $_ := set $batchConfig "webhook" (dict "allowed-hosts" (list (include "tokenwise.fullname" (dict "root" $root "name" "cost-service")))) -}}
{{- end -}}
{{- $_ := set $config "tokenwise" (dict "batch" $batchConfig) -}}
{{- end -}}
{{- if eq $name "router-service" -}}
{{- $r := $root.Values.router -}}
{{- $tenants := list -}}
{{- range $r.tenants -}}
{{- $tenant := dict "id" .id "key-hashes" .keyHashes -}}
{{- if .app }}{{- $_ := set $tenant "app" .app -}}{{- end }}
{{- $tenants = append $tenants $tenant -}}
{{- end -}}
{{- $router := dict
      "max-body-size" ($r.maxBodySize | default "4MB")
      "default-route" (dict "name" $r.defaultRoute.name "model" $r.defaultRoute.model)
      "providers" (dict
        "openai" (dict "base-url" (tpl $root.Values.providers.openai.baseUrl $root))
        "anthropic" (dict "base-url" (tpl $root.Values.providers.anthropic.baseUrl $root))
        "gemini" (dict "base-url" (tpl $root.Values.providers.gemini.baseUrl $root)))
      "cache" (dict "base-url" (include "tokenwise.serviceUrl" (dict "root" $root "name" "cache-service")))
      "usage" (dict "spool-dir" "/var/spool/tokenwise" "shutdown-drain" "10s")
-}}
{{- if (index $root.Values.services "cost-service").enabled }}
{{- /* Feedback (POST /v1/feedback) and shadow-evaluation registrations go to cost-service. */}}
{{- $_ := set $router "cost" (dict "base-url" (include "tokenwise.serviceUrl" (dict "root" $root "name" "cost-service"))) -}}
{{- end }}
{{- if $r.routes }}
{{- $_ := set $router "route-file" (dict "path" "/config/routes/routes.yaml") -}}
{{- end }}
{{- if and $r.modelRouting $r.modelRouting.enabled }}
{{- $auto := dict
      "match" (dict "models" (list "tokenwise/auto" "tokenwise/fast" "tokenwise/smart"))
      "tiers" $r.modelRouting.tiers
      "reference-model" (last $r.modelRouting.tiers)
      "classifier" (dict "type" "learned")
-}}
{{- $_ := set $router "routes" (dict "auto" $auto) -}}
{{- end }}
{{- if $tenants }}{{- $_ := set $router "tenants" $tenants -}}{{- end }}
{{- $batch := index $root.Values.services "batch-service" -}}
{{- if $batch.enabled }}
{{- $_ := set $router "batch" (dict "base-url" (include "tokenwise.serviceUrl" (dict "root" $root "name" "batch-service"))) -}}
{{- end }}
{{- $_ := set $config "tokenwise" (dict "router" $router) -}}
{{- end -}}
{{- toYaml (mergeOverwrite $config (deepCopy ($settings.config | default dict))) -}}
{{- end }}
