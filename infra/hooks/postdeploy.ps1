# azd postdeploy on Windows: the same steps, titles and az commands as postdeploy.sh (read that file for the
# reasons); test/unit/infra checks that the two hooks and docs/deploy.md agree.
# az is a native command: PowerShell does not stop when it fails, so every call goes through Invoke-Az, which checks
# $LASTEXITCODE, prints az's own error and stops. On Windows az is az.cmd, run by cmd.exe, which splits an unquoted
# argument at '&': arguments holding '&' are passed with literal quotes (Azure/azure-cli,
# doc/quoting-issues-with-powershell.md), as Microsoft's Event Grid blob sample does for the webhook URL.
$ErrorActionPreference = 'Stop'

$required = 'AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'AZURE_FUNCTION_APP_HOSTNAME',
  'AZURE_KEY_VAULT_NAME', 'AZURE_EVENTGRID_SYSTEM_TOPIC_NAME', 'PHOTOS_INCOMING_CONTAINER_NAME', 'INGEST_FUNCTION_NAME',
  'NOTIFICATIONS_FUNCTION_NAME', 'CERTIFICATE_SECRET_NAME', 'CLIENT_STATE_SECRET_NAME', 'NOTIFICATION_URL_SECRET_NAME',
  'INGEST_MAX_BYTES'
foreach ($name in $required) {
  if (-not [Environment]::GetEnvironmentVariable($name)) { throw "postdeploy: $name is not set; run 'azd provision' first." }
}
if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
  throw 'postdeploy: the Azure CLI (az) is required: https://learn.microsoft.com/cli/azure/install-azure-cli'
}

$subscription = $env:AZURE_SUBSCRIPTION_ID
$rg = $env:AZURE_RESOURCE_GROUP
$app = $env:AZURE_FUNCTION_APP_NAME
$vault = $env:AZURE_KEY_VAULT_NAME
$onWindows = $IsWindows -or $env:OS -eq 'Windows_NT'
$work = Join-Path ([IO.Path]::GetTempPath()) ([IO.Path]::GetRandomFileName())
New-Item -ItemType Directory -Path $work | Out-Null

function Step([int] $number, [string] $title) { Write-Host "postdeploy [$number/7] $title" }

# An argument az receives whole: on Windows, quoted for cmd.exe when it holds '&'.
function Format-AzArgument([string] $value) {
  if ($onWindows -and $value.Contains('&')) { return "`"$value`"" }
  return $value
}

# `az group subcommand ...` without its options, to name a failed command without printing any secret it was given.
function Get-CommandName([string[]] $azArgs) {
  $words = @('az')
  foreach ($word in $azArgs) { if ($word.StartsWith('-')) { break }; $words += $word }
  return $words -join ' '
}

# Runs az against the azd subscription. Returns what az printed (a string), or @{ Error = what az said } on failure.
function Invoke-AzOnce([string[]] $azArgs) {
  $errFile = Join-Path $work 'err'
  $output = & az @azArgs --subscription $subscription --only-show-errors 2>$errFile
  if ($LASTEXITCODE -ne 0) { return @{ Error = (Get-Content -Raw $errFile) } }
  return ($output -join "`n")
}

# Runs az against the azd subscription; on failure prints what az said and stops the hook.
function Invoke-Az([string[]] $azArgs) {
  $result = Invoke-AzOnce $azArgs
  if ($result -is [hashtable]) {
    Write-Host "postdeploy: '$(Get-CommandName $azArgs)' failed:" -ForegroundColor Red
    Write-Host $result.Error
    exit 1
  }
  return $result
}

# Like Invoke-Az, but retries while Key Vault still refuses the deployer: new role assignments take minutes to apply.
function Invoke-AzVault([string[]] $azArgs) {
  for ($attempt = 1; $attempt -le 20; $attempt++) {
    $result = Invoke-AzOnce $azArgs
    if ($result -isnot [hashtable]) { return $result }
    if ($result.Error -notmatch 'Forbidden') { break }
    if ($attempt -eq 1) { Write-Host '  Key Vault refuses access yet (role assignments take minutes to apply); retrying.' }
    Start-Sleep -Seconds 15
  }
  Write-Host "postdeploy: '$(Get-CommandName $azArgs)' failed:" -ForegroundColor Red
  Write-Host $result.Error
  exit 1
}

# A secret value in a file (no trailing newline) for `az keyvault secret set --file`; the temp folder is the user's.
function New-SecretFile([string] $value) {
  $file = Join-Path $work 'secret'
  [IO.File]::WriteAllText($file, $value)
  return $file
}

try {
  Step 1 'Check that az is signed in to the subscription azd deployed to'
  $signedIn = Invoke-AzOnce @('account', 'show', '--query', 'id', '-o', 'tsv')
  if ($signedIn -is [hashtable]) {
    Write-Host "postdeploy: az is not signed in to subscription ${subscription}:" -ForegroundColor Red
    Write-Host $signedIn.Error
    Write-Host "Run: az login --tenant <the subscription's tenant>, then: azd hooks run postdeploy"
    exit 1
  }

  Step 2 'Wait for the blobs_extension system key of the function app'
  # Created when the host first runs the deployed code; a starting host may also answer with an error.
  $key = ''
  $last = $null
  for ($attempt = 1; $attempt -le 12 -and -not $key; $attempt++) {
    $last = Invoke-AzOnce @('functionapp', 'keys', 'list', '-g', $rg, '-n', $app, '--query', 'systemKeys.blobs_extension', '-o', 'tsv')
    if ($last -isnot [hashtable]) { $key = "$last".Trim() }
    if (-not $key) { Start-Sleep -Seconds 10 }
  }
  if (-not $key) {
    Write-Host "postdeploy: $app has no blobs_extension key after two minutes; is $($env:INGEST_FUNCTION_NAME) deployed?" -ForegroundColor Red
    if ($last -is [hashtable]) { Write-Host $last.Error }
    Write-Host "Check 'azd deploy' output and the app's log stream, then: azd hooks run postdeploy"
    exit 1
  }

  Step 3 'Subscribe the blob trigger to blob-created events in the incoming container'
  $container = $env:PHOTOS_INCOMING_CONTAINER_NAME
  $endpoint = "https://$($env:AZURE_FUNCTION_APP_HOSTNAME)/runtime/webhooks/blobs?functionName=Host.Functions.$($env:INGEST_FUNCTION_NAME)&code=$key"
  Invoke-Az @('eventgrid', 'system-topic', 'event-subscription', 'create',
    '--name', "$container-to-$($env:INGEST_FUNCTION_NAME)",
    '--resource-group', $rg,
    '--system-topic-name', $env:AZURE_EVENTGRID_SYSTEM_TOPIC_NAME,
    '--endpoint-type', 'webhook',
    '--endpoint', (Format-AzArgument $endpoint),
    '--included-event-types', 'Microsoft.Storage.BlobCreated',
    '--subject-begins-with', "/blobServices/default/containers/$container/",
    '--advanced-filter', 'data.contentLength', 'NumberLessThanOrEquals', $env:INGEST_MAX_BYTES,
    '--max-delivery-attempts', '30',
    '--event-ttl', '1440',
    '--output', 'none') | Out-Null
  Write-Host "  blob-created events in $container up to $($env:INGEST_MAX_BYTES) bytes now reach $($env:INGEST_FUNCTION_NAME)."
  Write-Host '  (Larger uploads are never read: rejectOversizedUploads moves them to photos-rejected with a reason.)'

  Step 4 'Create the Graph clientState secret in Key Vault, once'
  $existing = Invoke-AzVault @('keyvault', 'secret', 'list', '--vault-name', $vault, '--query', "[?name=='$($env:CLIENT_STATE_SECRET_NAME)'].name", '-o', 'tsv')
  if (-not "$existing".Trim()) {
    # Kept once created: Graph echoes it in every notification, and changing it orphans live subscriptions.
    $bytes = [byte[]]::new(32)
    [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
    $clientState = [Convert]::ToHexString($bytes).ToLower()
    Invoke-AzVault @('keyvault', 'secret', 'set', '--vault-name', $vault, '-n', $env:CLIENT_STATE_SECRET_NAME,
      '--file', (New-SecretFile $clientState), '--output', 'none') | Out-Null
    Write-Host "  created $($env:CLIENT_STATE_SECRET_NAME)."
  } else {
    Write-Host "  $($env:CLIENT_STATE_SECRET_NAME) exists; kept."
  }

  Step 5 'Store the notification URL, with the function key, in Key Vault'
  $functionKey = Invoke-Az @('functionapp', 'function', 'keys', 'list', '-g', $rg, '-n', $app, '--function-name', $env:NOTIFICATIONS_FUNCTION_NAME,
    '--query', 'default', '-o', 'tsv')
  Invoke-AzVault @('keyvault', 'secret', 'set', '--vault-name', $vault, '-n', $env:NOTIFICATION_URL_SECRET_NAME,
    '--file', (New-SecretFile "https://$($env:AZURE_FUNCTION_APP_HOSTNAME)/api/notifications?code=$("$functionKey".Trim())"), '--output', 'none') | Out-Null
  Write-Host "  $($env:NOTIFICATION_URL_SECRET_NAME) points at $($env:NOTIFICATIONS_FUNCTION_NAME)."

  Step 6 "Check that Key Vault holds the Entra app's certificate"
  $certificate = Invoke-AzVault @('keyvault', 'certificate', 'list', '--vault-name', $vault, '--query', "[?name=='$($env:CERTIFICATE_SECRET_NAME)'].name", '-o', 'tsv')
  if (-not "$certificate".Trim()) {
    Write-Warning "Key Vault $vault has no certificate $($env:CERTIFICATE_SECRET_NAME) yet. Create it (docs/deploy.md); the app cannot reach Microsoft 365 until then."
  }

  Step 7 'Restart the function app so it reads its Key Vault references'
  Invoke-Az @('functionapp', 'restart', '-g', $rg, '-n', $app, '--output', 'none') | Out-Null
  Write-Host "  restarted $app. Check the tenant with: npm run doctor -- --settings <file> (docs/deploy.md)."
} finally {
  Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
