#!/bin/sh
# azd postdeploy: the steps that need the deployed code (docs/deploy.md, "What postdeploy does").
#  1. Event Grid subscription from the storage system topic to the blob trigger's webhook. Its URL carries the
#     blobs_extension system key, which the Functions host creates only once the code runs; the filter keeps it to
#     photos-incoming so the pipeline's own writes (processed, archive, rejected) never trigger it.
#  2. The Graph clientState secret, generated once, and the notification URL (with the function key) in Key Vault.
#  3. A restart, so the app re-reads its Key Vault references.
# azd passes the environment's values (the Bicep outputs) as environment variables.
set -eu

for name in AZURE_RESOURCE_GROUP AZURE_FUNCTION_APP_NAME AZURE_FUNCTION_APP_HOSTNAME AZURE_KEY_VAULT_NAME \
  AZURE_EVENTGRID_SYSTEM_TOPIC_NAME PHOTOS_INCOMING_CONTAINER_NAME INGEST_FUNCTION_NAME NOTIFICATIONS_FUNCTION_NAME \
  CERTIFICATE_SECRET_NAME CLIENT_STATE_SECRET_NAME NOTIFICATION_URL_SECRET_NAME; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then
    echo "postdeploy: $name is not set; run 'azd provision' first." >&2
    exit 1
  fi
done
command -v az >/dev/null 2>&1 || { echo "postdeploy: the Azure CLI (az) is required." >&2; exit 1; }

rg="$AZURE_RESOURCE_GROUP"
app="$AZURE_FUNCTION_APP_NAME"
vault="$AZURE_KEY_VAULT_NAME"

echo "Waiting for the blobs_extension system key of $app..."
key=""
for attempt in 1 2 3 4 5 6 7 8 9 10 11 12; do
  key=$(az functionapp keys list -g "$rg" -n "$app" --query "systemKeys.blobs_extension" -o tsv 2>/dev/null || true)
  [ -n "$key" ] && break
  sleep 10
done
if [ -z "$key" ]; then
  echo "postdeploy: no blobs_extension key yet; is ingestPhoto deployed? Re-run: azd hooks run postdeploy" >&2
  exit 1
fi

endpoint="https://$AZURE_FUNCTION_APP_HOSTNAME/runtime/webhooks/blobs?functionName=Host.Functions.$INGEST_FUNCTION_NAME&code=$key"
az eventgrid system-topic event-subscription create \
  --name "$PHOTOS_INCOMING_CONTAINER_NAME-to-$INGEST_FUNCTION_NAME" \
  --resource-group "$rg" \
  --system-topic-name "$AZURE_EVENTGRID_SYSTEM_TOPIC_NAME" \
  --endpoint-type webhook \
  --endpoint "$endpoint" \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/$PHOTOS_INCOMING_CONTAINER_NAME/" \
  --max-delivery-attempts 30 \
  --event-ttl 1440 \
  --output none
echo "Event Grid: blob-created events in $PHOTOS_INCOMING_CONTAINER_NAME now reach $INGEST_FUNCTION_NAME."

if ! az keyvault secret show --vault-name "$vault" -n "$CLIENT_STATE_SECRET_NAME" --query id -o tsv >/dev/null 2>&1; then
  # Generated once and kept: Graph echoes it in every notification, and changing it orphans live subscriptions.
  az keyvault secret set --vault-name "$vault" -n "$CLIENT_STATE_SECRET_NAME" --value "$(openssl rand -hex 32)" --output none
  echo "Key Vault: created $CLIENT_STATE_SECRET_NAME."
fi

function_key=$(az functionapp function keys list -g "$rg" -n "$app" --function-name "$NOTIFICATIONS_FUNCTION_NAME" \
  --query default -o tsv)
az keyvault secret set --vault-name "$vault" -n "$NOTIFICATION_URL_SECRET_NAME" \
  --value "https://$AZURE_FUNCTION_APP_HOSTNAME/api/notifications?code=$function_key" --output none
echo "Key Vault: $NOTIFICATION_URL_SECRET_NAME points at $NOTIFICATIONS_FUNCTION_NAME."

if ! az keyvault secret show --vault-name "$vault" -n "$CERTIFICATE_SECRET_NAME" --query id -o tsv >/dev/null 2>&1; then
  echo "WARNING: Key Vault $vault has no $CERTIFICATE_SECRET_NAME yet. Import the Entra app's certificate (PEM with"
  echo "its private key), then restart the app: see docs/deploy.md, step 3."
fi

az functionapp restart -g "$rg" -n "$app" --output none
echo "Restarted $app. Check the tenant with: npm run doctor -- --settings <file> (docs/deploy.md)."
