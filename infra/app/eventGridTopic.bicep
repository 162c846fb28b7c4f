// The Event Grid system topic of the storage account. Flex Consumption supports only the Event Grid source for blob
// triggers; the subscription that points at the app's blobs_extension webhook is created by infra/hooks/postdeploy.*
// (https://learn.microsoft.com/azure/azure-functions/functions-event-grid-blob-trigger).
param name string
param location string = resourceGroup().location
param tags object = {}
param storageAccountName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = systemTopic.name
