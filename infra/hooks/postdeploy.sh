#!/bin/sh
# azd postdeploy: the steps that need the deployed code. docs/deploy.md ("What postdeploy does") lists the same
# steps with the same titles and az commands; test/unit/infra checks that they agree, and with postdeploy.ps1.
# azd passes the environment's values (the Bicep outputs, AZURE_SUBSCRIPTION_ID) as environment variables. Every az
# call names that subscription: `azd auth login` does not sign in az, whose default subscription may be another.
# The first az command that fails stops the hook with az's own error message.
set -eu

for name in AZURE_SUBSCRIPTION_ID AZURE_RESOURCE_GROUP AZURE_FUNCTION_APP_NAME AZURE_FUNCTION_APP_HOSTNAME \
  AZURE_KEY_VAULT_NAME AZURE_EVENTGRID_SYSTEM_TOPIC_NAME PHOTOS_INCOMING_CONTAINER_NAME INGEST_FUNCTION_NAME \
  NOTIFICATIONS_FUNCTION_NAME CERTIFICATE_SECRET_NAME CLIENT_STATE_SECRET_NAME NOTIFICATION_URL_SECRET_NAME \
  INGEST_MAX_BYTES; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then
    echo "postdeploy: $name is not set; run 'azd provision' first." >&2
    exit 1
  fi
done
command -v az >/dev/null 2>&1 || {
  echo "postdeploy: the Azure CLI (az) is required: https://learn.microsoft.com/cli/azure/install-azure-cli" >&2
  exit 1
}

subscription="$AZURE_SUBSCRIPTION_ID"
rg="$AZURE_RESOURCE_GROUP"
app="$AZURE_FUNCTION_APP_NAME"
vault="$AZURE_KEY_VAULT_NAME"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Secrets pass through files only this user can read, never on a command line other users can see.
umask 077

step() { echo "postdeploy [$1/7] $2"; }

# `az group subcommand ...` without its options, to name a failed command without printing any secret it was given.
command_name() {
  words="az"
  for word in "$@"; do
    case "$word" in -*) break ;; esac
    words="$words $word"
  done
  echo "$words"
}

# Runs az against the azd subscription; on failure prints what az said and stops the hook.
azcli() {
  if az "$@" --subscription "$subscription" --only-show-errors >"$work/out" 2>"$work/err"; then
    cat "$work/out"
  else
    echo "postdeploy: '$(command_name "$@")' failed:" >&2
    cat "$work/err" >&2
    exit 1
  fi
}

# Like azcli, but retries while Key Vault still refuses the deployer: new role assignments take minutes to apply.
azvault() {
  for attempt in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    if az "$@" --subscription "$subscription" --only-show-errors >"$work/out" 2>"$work/err"; then
      cat "$work/out"
      return 0
    fi
    grep -q 'Forbidden' "$work/err" || break
    [ "$attempt" = 1 ] && echo "  Key Vault refuses access yet (role assignments take minutes to apply); retrying." >&2
    sleep 15
  done
  echo "postdeploy: '$(command_name "$@")' failed:" >&2
  cat "$work/err" >&2
  exit 1
}

# A secret value in a file (no trailing newline) for `az keyvault secret set --file`.
secret_file() { printf '%s' "$1" >"$work/secret"; echo "$work/secret"; }

step 1 'Check that az is signed in to the subscription azd deployed to'
if ! az account show --subscription "$subscription" --query id -o tsv >/dev/null 2>"$work/err"; then
  echo "postdeploy: az is not signed in to subscription $subscription:" >&2
  cat "$work/err" >&2
  echo "Run: az login --tenant <the subscription's tenant>, then: azd hooks run postdeploy" >&2
  exit 1
fi

step 2 'Wait for the blobs_extension system key of the function app'
# The Functions host creates the key when it first runs the deployed code; a starting host may also answer with an
# error, so both are retried for two minutes before the last error is shown.
key=""
for attempt in 1 2 3 4 5 6 7 8 9 10 11 12; do
  if key=$(az functionapp keys list -g "$rg" -n "$app" --query "systemKeys.blobs_extension" -o tsv \
    --subscription "$subscription" --only-show-errors 2>"$work/err"); then
    if [ -n "$key" ]; then break; fi
  else
    key="" # whatever a failed call printed is no key
  fi
  sleep 10
done
if [ -z "$key" ]; then
  echo "postdeploy: $app has no blobs_extension key after two minutes; is $INGEST_FUNCTION_NAME deployed?" >&2
  cat "$work/err" >&2
  echo "Check 'azd deploy' output and the app's log stream, then: azd hooks run postdeploy" >&2
  exit 1
fi

step 3 'Subscribe the blob trigger to blob-created events in the incoming container'
endpoint="https://$AZURE_FUNCTION_APP_HOSTNAME/runtime/webhooks/blobs?functionName=Host.Functions.$INGEST_FUNCTION_NAME&code=$key"
azcli eventgrid system-topic event-subscription create \
  --name "$PHOTOS_INCOMING_CONTAINER_NAME-to-$INGEST_FUNCTION_NAME" \
  --resource-group "$rg" \
  --system-topic-name "$AZURE_EVENTGRID_SYSTEM_TOPIC_NAME" \
  --endpoint-type webhook \
  --endpoint "$endpoint" \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/$PHOTOS_INCOMING_CONTAINER_NAME/" \
  --advanced-filter data.contentLength NumberLessThanOrEquals "$INGEST_MAX_BYTES" \
  --max-delivery-attempts 30 \
  --event-ttl 1440 \
  --output none
echo "  blob-created events in $PHOTOS_INCOMING_CONTAINER_NAME up to $INGEST_MAX_BYTES bytes now reach $INGEST_FUNCTION_NAME."
echo "  (Larger uploads are never read: rejectOversizedUploads moves them to photos-rejected with a reason.)"

step 4 'Create the Graph clientState secret in Key Vault, once'
existing=$(azvault keyvault secret list --vault-name "$vault" --query "[?name=='$CLIENT_STATE_SECRET_NAME'].name" -o tsv)
if [ -z "$existing" ]; then
  # Kept once created: Graph echoes it in every notification, and changing it orphans live subscriptions.
  client_state=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  azvault keyvault secret set --vault-name "$vault" -n "$CLIENT_STATE_SECRET_NAME" \
    --file "$(secret_file "$client_state")" --output none
  echo "  created $CLIENT_STATE_SECRET_NAME."
else
  echo "  $CLIENT_STATE_SECRET_NAME exists; kept."
fi

step 5 'Store the notification URL, with the function key, in Key Vault'
function_key=$(azcli functionapp function keys list -g "$rg" -n "$app" --function-name "$NOTIFICATIONS_FUNCTION_NAME" \
  --query default -o tsv)
azvault keyvault secret set --vault-name "$vault" -n "$NOTIFICATION_URL_SECRET_NAME" \
  --file "$(secret_file "https://$AZURE_FUNCTION_APP_HOSTNAME/api/notifications?code=$function_key")" --output none
echo "  $NOTIFICATION_URL_SECRET_NAME points at $NOTIFICATIONS_FUNCTION_NAME."

step 6 "Check that Key Vault holds the Entra app's certificate"
certificate=$(azvault keyvault certificate list --vault-name "$vault" --query "[?name=='$CERTIFICATE_SECRET_NAME'].name" -o tsv)
if [ -z "$certificate" ]; then
  echo "  WARNING: Key Vault $vault has no certificate $CERTIFICATE_SECRET_NAME yet. Create it (docs/deploy.md,"
  echo "  step 4); the app cannot reach Microsoft 365 until then."
fi

step 7 'Restart the function app so it reads its Key Vault references'
azcli functionapp restart -g "$rg" -n "$app" --output none
echo "  restarted $app. Check the tenant with: npm run doctor -- --settings <file> (docs/deploy.md, step 7)."
