// Least-privilege data-plane roles for the app's managed identity, each named guid(scope, principal, role) so a
// redeployment finds the same assignment. Built-in role ids:
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
param storageAccountName string
@description('The photos storage account: the app reads and writes photos (and their index tags) there.')
param photoStorageAccountName string
param keyVaultName string
param applicationInsightsName string
param appPrincipalId string
@description('The person running azd: may put the certificate and secrets into Key Vault. Empty: skipped.')
param deployerPrincipalId string = ''

var roles = {
  // Owner rather than Contributor: the Functions host manages blob leases and receipts for the blob trigger.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  keyVaultCertificatesOfficer: 'a4417e6f-fecd-4de8-b567-7b0420556985'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource photoStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: photoStorageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var storageRoles = [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]

resource appStorageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    name: guid(storage.id, appPrincipalId, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Owner rather than Contributor: blob index tags (superseded renditions) need the tags permissions only Owner has,
// and the blob trigger's Event Grid source reads the photos here.
resource appPhotoStorageRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(photoStorage.id, appPrincipalId, roles.storageBlobDataOwner)
  scope: photoStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The blob trigger writes the photos it gave up on to webjobs-blobtrigger-poison in the photos account, and
// retryParkedUploads reads and deletes those reports: the only queue there.
resource appPhotoQueueRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(photoStorage.id, appPrincipalId, roles.storageQueueDataContributor)
  scope: photoStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

var deployerVaultRoles = empty(deployerPrincipalId) ? [] : [roles.keyVaultSecretsOfficer, roles.keyVaultCertificatesOfficer]

resource deployerVaultAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in deployerVaultRoles: {
    name: guid(vault.id, deployerPrincipalId, role)
    scope: vault
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: deployerPrincipalId
    }
  }
]
