/** The RFC 9728 protected resource metadata document (the members fapi-guard derives). */
export interface ProtectedResourceMetadata {
  readonly resource: string
  readonly authorization_servers: readonly string[]
  readonly scopes_supported?: readonly string[]
  readonly bearer_methods_supported: readonly string[]
  readonly resource_name?: string
  readonly resource_documentation?: string
  readonly dpop_signing_alg_values_supported?: readonly string[]
  readonly dpop_bound_access_tokens_required: boolean
  readonly tls_client_certificate_bound_access_tokens: boolean
  /** RFC 9728 §2 / RFC 9396 §10: the authorization details types this API understands. */
  readonly authorization_details_types_supported?: readonly string[]
}

/**
 * Where the metadata is served (RFC 9728 §3.1): `/.well-known/oauth-protected-resource` inserted
 * between the host and the identifier's path, a terminating `/` removed first. Returns the absolute
 * URL and the path a server mounts.
 */
export function metadataLocation(identifier: string): { url: string; path: string } {
  const url = new URL(identifier)
  const suffix = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  const path = `/.well-known/oauth-protected-resource${suffix}`
  return { url: `${url.origin}${path}${url.search}`, path }
}

/** Parts of the configuration the document is derived from (nothing is typed twice). */
export interface MetadataSource {
  readonly identifier: string
  readonly name: string | undefined
  readonly documentation: string | undefined
  readonly scopes: readonly string[] | undefined
  readonly authorizationDetailsTypes?: readonly string[] | undefined
  readonly issuers: readonly string[]
  readonly dpopAlgorithms: readonly string[] | undefined
  readonly dpopRequired: boolean
  readonly mtls: boolean
}

/**
 * Builds the document; members with no value are left out (RFC 9728 §3.2). It is frozen, arrays too:
 * one document is handed to every caller and served by every adapter.
 */
export function buildProtectedResourceMetadata(source: MetadataSource): ProtectedResourceMetadata {
  const list = (values: readonly string[]) => Object.freeze([...values])
  return Object.freeze({
    resource: source.identifier,
    authorization_servers: list(source.issuers),
    ...(source.scopes !== undefined && source.scopes.length > 0 && { scopes_supported: list(source.scopes) }),
    bearer_methods_supported: list(['header']),
    ...(source.name !== undefined && { resource_name: source.name }),
    ...(source.documentation !== undefined && { resource_documentation: source.documentation }),
    ...(source.dpopAlgorithms !== undefined && { dpop_signing_alg_values_supported: list(source.dpopAlgorithms) }),
    dpop_bound_access_tokens_required: source.dpopRequired,
    tls_client_certificate_bound_access_tokens: source.mtls,
    ...(source.authorizationDetailsTypes !== undefined && { authorization_details_types_supported: list(source.authorizationDetailsTypes) }),
  })
}
