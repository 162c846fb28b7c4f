// How long photos are kept (personal data): lifecycle management deletes archived originals, rejected originals
// and superseded renditions once they are older than the limits main.bicep passes (docs/deploy.md, "Retention").
// Renditions in photos-processed are never deleted by age: the current one of a person is read again whenever
// PHOTO_AUTHORITY=hr restores it. Only those tagged superseded=true (blob index tag) expire.
// https://learn.microsoft.com/azure/storage/blobs/lifecycle-management-overview
param storageAccountName string
param processedContainerName string
param archiveContainerName string
param rejectedContainerName string
param archiveRetentionDays int
param rejectedRetentionDays int
param supersededRenditionRetentionDays int

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'archived-originals'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['${archiveContainerName}/'] }
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: archiveRetentionDays } } }
          }
        }
        {
          name: 'rejected-originals'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['${rejectedContainerName}/'] }
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: rejectedRetentionDays } } }
          }
        }
        {
          name: 'superseded-renditions'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              prefixMatch: ['${processedContainerName}/']
              blobIndexMatch: [{ name: 'superseded', op: '==', value: 'true' }]
            }
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: supersededRenditionRetentionDays } } }
          }
        }
      ]
    }
  }
}
