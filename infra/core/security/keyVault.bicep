// Holds the Entra app's certificate (created here, so its private key never leaves the vault; PEM, so the app reads
// it through its secret) and the Graph secrets. RBAC mode, so access is role assignments like everything else; the
// app reads through Key Vault references, never a key.
param name string
param location string = resourceGroup().location
param tags object = {}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    // Nobody, an owner included, can purge the certificate or a secret before the retention ends. The vault's name
    // stays taken by a deleted vault for those days: `azd down` then a new `azd up` needs another environment name
    // or `az keyvault recover` (docs/deploy.md).
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
