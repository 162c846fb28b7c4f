# azd postdeploy on Windows: the same steps as postdeploy.sh (read that file for the reasons).
$ErrorActionPreference = 'Stop'

$required = 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'AZURE_FUNCTION_APP_HOSTNAME', 'AZURE_KEY_VAULT_NAME',
  'AZURE_EVENTGRID_SYSTEM_TOPIC_NAME', 'PHOTOS_INCOMING_CONTAINER_NAME', 'INGEST_FUNCTION_NAME',
  'NOTIFICATIONS_FUNCTION_NAME', 'CERTIFICATE_SECRET_NAME', 'CLIENT_STATE_SECRET_NAME', 'NOTIFICATION_URL_SECRET_NAME'
foreach ($name in $required) {
  if (-not [Environment]::GetEnvironmentVariable($name)) { throw "postdeploy: $name is not set; run 'azd provision' first." }
}
$rg = $env:AZURE_RESOURCE_GROUP
$app = $env:AZURE_FUNCTION_APP_NAME
$vault = $env:AZURE_KEY_VAULT_NAME
$container = $env:PHOTOS_INCOMING_CONTAINER_NAME

$key = ''
for ($attempt = 0; $attempt -lt 12 -and -not $key; $attempt++) {
  $key = az functionapp keys list -g $rg -n $app --query 'systemKeys.blobs_extension' -o tsv 2>$null
  if (-not $key) { Start-Sleep -Seconds 10 }
}
if (-not $key) { throw 'postdeploy: no blobs_extension key yet; is ingestPhoto deployed? Re-run: azd hooks run postdeploy' }

$endpoint = "https://$($env:AZURE_FUNCTION_APP_HOSTNAME)/runtime/webhooks/blobs?functionName=Host.Functions.$($env:INGEST_FUNCTION_NAME)&code=$key"
az eventgrid system-topic event-subscription create --name "$container-to-$($env:INGEST_FUNCTION_NAME)" `
  --resource-group $rg --system-topic-name $env:AZURE_EVENTGRID_SYSTEM_TOPIC_NAME --endpoint-type webhook `
  --endpoint $endpoint --included-event-types Microsoft.Storage.BlobCreated `
  --subject-begins-with "/blobServices/default/containers/$container/" --max-delivery-attempts 30 --event-ttl 1440 --output none
Write-Host "Event Grid: blob-created events in $container now reach $($env:INGEST_FUNCTION_NAME)."

az keyvault secret show --vault-name $vault -n $env:CLIENT_STATE_SECRET_NAME --query id -o tsv 2>$null | Out-Null
if ($LASTEXITCODE -ne 0) {
  $bytes = [byte[]]::new(32); [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
  az keyvault secret set --vault-name $vault -n $env:CLIENT_STATE_SECRET_NAME --value ([Convert]::ToHexString($bytes).ToLower()) --output none
  Write-Host "Key Vault: created $($env:CLIENT_STATE_SECRET_NAME)."
}

$functionKey = az functionapp function keys list -g $rg -n $app --function-name $env:NOTIFICATIONS_FUNCTION_NAME --query default -o tsv
az keyvault secret set --vault-name $vault -n $env:NOTIFICATION_URL_SECRET_NAME `
  --value "https://$($env:AZURE_FUNCTION_APP_HOSTNAME)/api/notifications?code=$functionKey" --output none

az keyvault secret show --vault-name $vault -n $env:CERTIFICATE_SECRET_NAME --query id -o tsv 2>$null | Out-Null
if ($LASTEXITCODE -ne 0) {
  Write-Warning "Key Vault $vault has no $($env:CERTIFICATE_SECRET_NAME) yet: import the Entra app's certificate (docs/deploy.md, step 3)."
}

az functionapp restart -g $rg -n $app --output none
Write-Host "Restarted $app. Check the tenant with: npm run doctor -- --settings <file> (docs/deploy.md)."
