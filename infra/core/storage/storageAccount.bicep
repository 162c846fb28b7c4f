// A storage account: main.bicep makes two, the Functions host's (deployment package, queues, tables) and the photos'
// (the four photo containers). Shared keys are off: every caller (the app, HR, operators) authenticates with Entra
// ID and a data-plane role.
param name string
param location string = resourceGroup().location
param tags object = {}
param containerNames array
param queueNames array
param tableNames array
@description('Log Analytics workspace that receives the blob audit (who wrote or deleted which blob).')
param logAnalyticsWorkspaceId string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobServices 'blobServices' = {
    name: 'default'
    properties: {
      // Photos are personal data: a short soft-delete window recovers mistakes without keeping them for long.
      deleteRetentionPolicy: { enabled: true, days: 7 }
    }
    resource containers 'containers' = [
      for containerName in containerNames: {
        name: containerName
        properties: { publicAccess: 'None' }
      }
    ]
  }

  resource queueServices 'queueServices' = {
    name: 'default'
    resource queues 'queues' = [
      for queueName in queueNames: {
        name: queueName
      }
    ]
  }

  resource tableServices 'tableServices' = {
    name: 'default'
    resource tables 'tables' = [
      for tableName in tableNames: {
        name: tableName
      }
    ]
  }
}

// Each write and delete, with the caller's Entra identity (RequesterObjectId, RequesterUpn in StorageBlobLogs), so
// every photo HR uploads is tied to the person who uploaded it. Reads are left out: the writers read every rendition,
// and those logs would cost more than they tell. https://learn.microsoft.com/azure/storage/blobs/monitor-blob-storage
resource blobAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'blob-audit'
  scope: storage::blobServices
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      { category: 'StorageWrite', enabled: true }
      { category: 'StorageDelete', enabled: true }
    ]
  }
}

output name string = storage.name
output resourceId string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
