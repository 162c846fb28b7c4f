// Photo sync for Microsoft 365 on Azure Functions Flex Consumption, laid out like Microsoft's azd templates
// (Azure-Samples/functions-quickstart-typescript-azd*): one resource group, names from abbreviations.json, identity
// everywhere (no storage keys, no secrets in app settings), outputs in UPPER_SNAKE for the postdeploy hook.
// The names of containers, queues and tables must match src/storage/names.ts: test/unit/infra checks them.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
@metadata({ azd: { type: 'location' } })
param location string

@minLength(1)
@description('Entra tenant (GUID) that holds the users whose photos are synced.')
param m365TenantId string

@minLength(1)
@description('Application (client) id of the Entra app registration that writes the photos.')
param m365ClientId string

@minLength(1)
@description('SharePoint tenant name: "contoso" for contoso.sharepoint.com.')
param sharePointTenantName string

@description('Company name in the SharePoint User-Agent (NONISV|{company}|M365PhotoSync/{version}).')
param userAgentCompany string = 'Contoso'

// No @allowed on the two below: the app accepts any spelling src/config.ts accepts (any order, any case, spaces),
// which a fixed list cannot, and refuses others when it starts (npm run doctor shows it). test/unit/infra checks
// that an @allowed list here never refuses a value the app accepts.
@description('Comma-separated: exchange, sharepoint, or both (the default).')
param syncTargets string = 'exchange,sharepoint'

@description('user: a change made in Outlook/Teams wins; hr: the HR photo is put back.')
param photoAuthority string = 'user'

@description('Object id of the Entra group whose members upload photos. Empty: no HR role assignments.')
param hrGroupPrincipalId string = ''
@description('Object id of an Entra group (executives, break-glass admins) whose photos the pipeline never changes; empty: none.')
param protectedAccountsGroupId string = ''
@description('Client id of the Entra app HR signs in to for the status page; empty: no sign-in, so nobody gets in.')
param statusPageClientId string = ''

@description('Object id of the person running azd, given rights to put the certificate into Key Vault. Empty: none.')
param principalId string = ''

// The app's INGEST_MAX_BYTES and the Event Grid filter that keeps larger uploads from the blob trigger (which would
// read them whole into memory) come from this one value, so they cannot disagree.
@minValue(1024)
@maxValue(209715200)
@description('Largest upload ingest reads, in bytes; larger ones are rejected unread (too-many-bytes).')
param ingestMaxBytes int = 52428800

@description('Upper bound of Flex Consumption instances; Microsoft 365 throttles per tenant, so more rarely helps.')
param maximumInstanceCount int = 40

// Retention (docs/deploy.md, "Retention"). Lifecycle management deletes once a day, so a blob can outlive its
// limit by up to a day, and blob soft delete keeps a deleted blob 7 more days.
@minValue(8)
@description('Days an accepted original (and a manifest) stays in photos-archive; manifests are read for 7 days.')
param archiveRetentionDays int = 90

@minValue(1)
@description('Days a rejected original and its reason stay in photos-rejected for HR to read.')
param rejectedRetentionDays int = 30

@minValue(1)
@description('Days a rendition tagged superseded=true stays in photos-processed after its last change.')
param supersededRenditionRetentionDays int = 30

@minValue(0)
@description('Days the stored photos of a person deleted from the directory are kept before they are deleted (Entra keeps a deleted user restorable 30 days).')
param departedPhotoRetentionDays int = 30

@minValue(30)
@description('Days Log Analytics keeps logs, including the audit of who uploaded each photo.')
param logRetentionDays int = 90

param resourceGroupName string = ''
param functionAppName string = ''
param appServicePlanName string = ''
param storageAccountName string = ''
param photoStorageAccountName string = ''
param keyVaultName string = ''
param logAnalyticsName string = ''
param applicationInsightsName string = ''
param identityName string = ''
param systemTopicName string = ''

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var appName = !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}${resourceToken}'
var deploymentContainerName = 'app-package-${take(appName, 32)}-${take(resourceToken, 7)}'

// Product contract (src/storage/names.ts). Poison queues are declared so alerts and replay have them from day one.
var incomingContainerName = 'photos-incoming'
var processedContainerName = 'photos-processed'
var archiveContainerName = 'photos-archive'
var rejectedContainerName = 'photos-rejected'
var photoContainerNames = [incomingContainerName, processedContainerName, archiveContainerName, rejectedContainerName]
var queueNames = [
  'exchange-photo-writes'
  'exchange-photo-writes-poison'
  'sharepoint-photo-writes'
  'sharepoint-photo-writes-poison'
  'photo-changes'
  'photo-changes-poison'
  'photo-removals'
  'photo-removals-poison'
]
// The blob trigger reports a photo it gave up on in the trigger's own account (the photos'), not the host's; the
// retryParkedUploads timer reads it there.
var photoQueueNames = ['webjobs-blobtrigger-poison']
var tableNames = ['PhotoSyncState', 'GraphSubscriptions', 'ReconcileCheckpoint', 'PhotoRemovals', 'M365Budget']

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'core/security/userAssignedIdentity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: !empty(identityName) ? identityName : '${abbrs.managedIdentityUserAssignedIdentities}photosync-${resourceToken}'
    location: location
    tags: tags
  }
}

// Two storage accounts. The host's (AzureWebJobsStorage): the deployment package, the queues, the tables, and what
// the Functions host keeps there (its keys in azure-webjobs-secrets, blob trigger receipts, leases). The photos'
// (PhotoStorage): the four photo containers, their Event Grid topic, lifecycle rules and HR's rights. A right on
// photos, HR's upload right included, so never reaches the host's keys.
module storage 'core/storage/storageAccount.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    containerNames: [deploymentContainerName]
    queueNames: queueNames
    tableNames: tableNames
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsId
  }
}

module photoStorage 'core/storage/storageAccount.bicep' = {
  name: 'photostorage'
  scope: rg
  params: {
    name: !empty(photoStorageAccountName) ? photoStorageAccountName : '${abbrs.storageStorageAccounts}photos${resourceToken}'
    location: location
    tags: tags
    containerNames: photoContainerNames
    queueNames: photoQueueNames
    tableNames: []
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsId
  }
}

module photoRetention 'app/photoRetention.bicep' = {
  name: 'photoretention'
  scope: rg
  params: {
    storageAccountName: photoStorage.outputs.name
    processedContainerName: processedContainerName
    archiveContainerName: archiveContainerName
    rejectedContainerName: rejectedContainerName
    archiveRetentionDays: archiveRetentionDays
    rejectedRetentionDays: rejectedRetentionDays
    supersededRenditionRetentionDays: supersededRenditionRetentionDays
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: !empty(applicationInsightsName) ? applicationInsightsName : '${abbrs.insightsComponents}${resourceToken}'
    retentionInDays: logRetentionDays
    location: location
    tags: tags
  }
}

module keyVault 'core/security/keyVault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: !empty(keyVaultName) ? keyVaultName : '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
  }
}

module functionApp 'app/functionApp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: appName
    planName: !empty(appServicePlanName) ? appServicePlanName : '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    photoStorageAccountName: photoStorage.outputs.name
    deploymentContainerName: deploymentContainerName
    identityId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultUri: keyVault.outputs.uri
    maximumInstanceCount: maximumInstanceCount
    m365TenantId: m365TenantId
    m365ClientId: m365ClientId
    sharePointTenantName: sharePointTenantName
    userAgentCompany: userAgentCompany
    syncTargets: syncTargets
    photoAuthority: photoAuthority
    hrGroupId: hrGroupPrincipalId
    protectedAccountsGroupId: protectedAccountsGroupId
    ingestMaxBytes: ingestMaxBytes
    departedPhotoRetentionDays: departedPhotoRetentionDays
  }
}

module statusPageAuth 'app/statusPageAuth.bicep' = if (!empty(statusPageClientId)) {
  name: 'statuspageauth'
  scope: rg
  params: {
    functionAppName: functionApp.outputs.name
    tenantId: m365TenantId
    signInClientId: statusPageClientId
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    photoStorageAccountName: photoStorage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
  }
}

module hrAccess 'app/hrAccess.bicep' = if (!empty(hrGroupPrincipalId)) {
  name: 'hraccess'
  scope: rg
  params: {
    storageAccountName: photoStorage.outputs.name
    incomingContainerName: incomingContainerName
    rejectedContainerName: rejectedContainerName
    hrGroupPrincipalId: hrGroupPrincipalId
  }
}

// The subscription to this topic needs the app's blobs_extension key, which exists only once the code is deployed:
// infra/hooks/postdeploy.* creates it, filtered to photos-incoming so the pipeline's own writes never loop back.
module systemTopic 'app/eventGridTopic.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    name: !empty(systemTopicName) ? systemTopicName : '${abbrs.eventGridSystemTopics}${resourceToken}'
    location: location
    tags: tags
    storageAccountName: photoStorage.outputs.name
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_HOSTNAME string = functionApp.outputs.defaultHostname
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_PHOTO_STORAGE_ACCOUNT_NAME string = photoStorage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_EVENTGRID_SYSTEM_TOPIC_NAME string = systemTopic.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output PHOTOS_INCOMING_CONTAINER_NAME string = incomingContainerName
output INGEST_FUNCTION_NAME string = 'ingestPhoto'
output INGEST_MAX_BYTES int = ingestMaxBytes
output NOTIFICATIONS_FUNCTION_NAME string = 'graphNotifications'
output CERTIFICATE_SECRET_NAME string = functionApp.outputs.certificateSecretName
output CLIENT_STATE_SECRET_NAME string = functionApp.outputs.clientStateSecretName
output NOTIFICATION_URL_SECRET_NAME string = functionApp.outputs.notificationUrlSecretName
