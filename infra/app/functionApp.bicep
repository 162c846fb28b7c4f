// The Flex Consumption plan and function app (Node 22). Settings follow docs/configuration.md: identity-based
// storage (AzureWebJobsStorage__*), secrets as Key Vault references resolved with the user-assigned identity, and
// one always-ready instance for the HTTP group, because Graph gives the notification endpoint 3 seconds and a cold
// start can take longer (https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to#set-always-ready-instance-counts).
param name string
param planName string
param location string = resourceGroup().location
param tags object = {}
param serviceName string = 'photosync'
param storageAccountName string
@description('The photos storage account (PhotoStorage): photo containers only, apart from the host\'s.')
param photoStorageAccountName string
param deploymentContainerName string
param identityId string
param identityClientId string
param applicationInsightsName string
param keyVaultUri string
param maximumInstanceCount int = 40
param instanceMemoryMB int = 2048
param m365TenantId string
param m365ClientId string
param sharePointTenantName string
param userAgentCompany string
param syncTargets string
param photoAuthority string
@description('Object id of the HR group let into the status page; empty: nobody.')
param hrGroupId string = ''
@description('Object id of the Entra group whose members\' photos the pipeline never changes; empty: none.')
param protectedAccountsGroupId string = ''
@description('Largest upload ingest reads; the Event Grid subscription filters on the same value.')
param ingestMaxBytes int
@description('Days the photos of a person who left the directory are kept (DEPARTED_PHOTO_RETENTION_DAYS).')
param departedPhotoRetentionDays int = 30

// Secret names in Key Vault; postdeploy fills the two the deployment cannot know (docs/deploy.md).
var certificateSecretName = 'm365-client-certificate'
var clientStateSecretName = 'notification-client-state'
var notificationUrlSecretName = 'notification-url'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource photoStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: photoStorageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Every setting the code reads is documented in docs/configuration.md; unset ones take the code's defaults.
var appSettings = {
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  PhotoStorage__blobServiceUri: photoStorage.properties.primaryEndpoints.blob
  // The blob trigger writes the photos it gives up on to webjobs-blobtrigger-poison in the trigger's own account.
  PhotoStorage__queueServiceUri: photoStorage.properties.primaryEndpoints.queue
  PhotoStorage__credential: 'managedidentity'
  PhotoStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  M365_TENANT_ID: m365TenantId
  M365_CLIENT_ID: m365ClientId
  M365_CLIENT_CERTIFICATE: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${certificateSecretName}/)'
  SHAREPOINT_MYSITE_URL: 'https://${sharePointTenantName}-my.sharepoint.com'
  SHAREPOINT_ADMIN_URL: 'https://${sharePointTenantName}-admin.sharepoint.com'
  USER_AGENT_COMPANY: userAgentCompany
  SYNC_TARGETS: syncTargets
  PHOTO_AUTHORITY: photoAuthority
  HR_GROUP_ID: hrGroupId
  PROTECTED_ACCOUNTS_GROUP_ID: protectedAccountsGroupId
  INGEST_MAX_BYTES: string(ingestMaxBytes)
  DEPARTED_PHOTO_RETENTION_DAYS: string(departedPhotoRetentionDays)
  NOTIFICATION_URL: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${notificationUrlSecretName}/)'
  NOTIFICATION_CLIENT_STATE: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${clientStateSecretName}/)'
  // Read as the worker process starts, not by the app (docs/configuration.md, "Memory"): glibc keeps at most 2 malloc
  // arenas instead of 8 per core, so memory libvips' threads freed is reused rather than kept per thread; V8 collects
  // garbage before its old space passes 192 MB instead of letting it grow to several times the live heap.
  MALLOC_ARENA_MAX: '2'
  NODE_OPTIONS: '--max-old-space-size=192'
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: [
          { name: 'http', instanceCount: 1 }
        ]
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: appSettings
  }
}

// Deployments authenticate with Entra ID (azd and az do); the site's publishing user name and password are refused.
// https://learn.microsoft.com/azure/app-service/configure-basic-auth-disable
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: { allow: false }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: { allow: false }
}

output name string = functionApp.name
output defaultHostname string = functionApp.properties.defaultHostName
output certificateSecretName string = certificateSecretName
output clientStateSecretName string = clientStateSecretName
output notificationUrlSecretName string = notificationUrlSecretName
