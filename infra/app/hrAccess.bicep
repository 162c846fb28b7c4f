// Optional rights for the HR group: write photos into photos-incoming, read the rejections (and their reasons) in
// photos-rejected, nothing else. Scoped to the two containers, not the account.
param storageAccountName string
param incomingContainerName string
param rejectedContainerName string
param hrGroupPrincipalId string

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageBlobDataReader = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
  resource blobServices 'blobServices' existing = {
    name: 'default'
    resource incoming 'containers' existing = {
      name: incomingContainerName
    }
    resource rejected 'containers' existing = {
      name: rejectedContainerName
    }
  }
}

resource hrUpload 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobServices::incoming.id, hrGroupPrincipalId, storageBlobDataContributor)
  scope: storage::blobServices::incoming
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: hrGroupPrincipalId
    principalType: 'Group'
  }
}

resource hrReadRejections 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobServices::rejected.id, hrGroupPrincipalId, storageBlobDataReader)
  scope: storage::blobServices::rejected
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataReader)
    principalId: hrGroupPrincipalId
    principalType: 'Group'
  }
}
