// ESM: @fapi-guard/mcp and the SDK's requireBearerAuth both imported. With `--mixed`, the verifier
// comes from the CommonJS build instead: the dual-package hazard this package avoids (the SDK's
// requireBearerAuth does not recognize the other copy's InvalidTokenError and answers 500).
import { createRequire } from 'node:module'
import express from 'express'
import * as esm from '@fapi-guard/mcp'
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js'
import { probe } from './probe.cjs'

const { createTokenVerifier } = process.argv.includes('--mixed') ? createRequire(import.meta.url)('@fapi-guard/mcp') : esm
await probe({ express, createTokenVerifier, requireBearerAuth })
