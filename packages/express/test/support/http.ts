// The loopback HTTP helpers live in the test kit, shared by every adapter's tests.
export { send, sendRaw, serve, type Reply, type SendOptions, type Served, type ServerTLS } from '@fapi-guard/testing'
