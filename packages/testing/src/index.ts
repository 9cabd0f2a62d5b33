export { createLocalIssuer } from './local-issuer.js'
export type { LocalIssuer, LocalIssuerAlgorithm, LocalIssuerKey, LocalIssuerOptions, MintOptions, ReceivedIntrospection } from './local-issuer.js'
export { createTestIssuer } from './test-issuer.js'
export type { AccessTokenClaims, CertificateLike, DPoPKeyLike, MintAccessTokenOptions, TestIssuer, TestIssuerOptions } from './test-issuer.js'
export { createClientCertificate, createTestCertificate } from './certificates.js'
export type { ClientCertificateOptions, TestCertificate } from './certificates.js'
export { accessTokenHash, createDPoPKey, createDPoPProof } from './dpop-proof.js'
export type { DPoPKey, DPoPProofClaims, DPoPProofOptions } from './dpop-proof.js'
export { send, sendRaw, serve } from './http.js'
export type { Reply, SendOptions, Served, ServerTLS } from './http.js'
export { createFapiAuthorizationServer } from './fapi-authorization-server.js'
export type {
  FapiAuthorizationServer,
  FapiAuthorizationServerOptions,
  FapiAuthorizeOptions,
  FapiClient,
  FapiClientOptions,
  FapiDPoPKey,
  FapiFlowStage,
  FapiProfile,
  FapiTokens,
} from './fapi-authorization-server.js'
