// App Service Authentication (Easy Auth) with Microsoft Entra ID in front of the function app, for HR's status page
// (docs/status-page.md). Every request must be signed in, except the two that Microsoft services make without a
// user: Graph change notifications and the Event Grid blob-trigger webhook. The function itself then requires the
// HR group (HR_GROUP_ID) in the token's groups claim: Easy Auth alone would admit anyone in the tenant.
// https://learn.microsoft.com/azure/app-service/configure-authentication-provider-aad

param functionAppName string
param tenantId string
@description('Application (client) id of the Entra app people sign in to; it must emit group ids (groupMembershipClaims).')
param signInClientId string

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      excludedPaths: ['/api/notifications', '/runtime/webhooks/blobs']
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: signInClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: ['api://${signInClientId}', signInClientId]
        }
      }
    }
    login: { tokenStore: { enabled: true } }
  }
}
