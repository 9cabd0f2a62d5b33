// CommonJS: @fapi-guard/mcp and the SDK's requireBearerAuth both loaded with require().
const express = require('express')
const { createTokenVerifier } = require('@fapi-guard/mcp')
const { requireBearerAuth } = require('@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js')
const { probe } = require('./probe.cjs')

probe({ express, createTokenVerifier, requireBearerAuth }).catch((error) => {
  console.error(error)
  process.exit(1)
})
