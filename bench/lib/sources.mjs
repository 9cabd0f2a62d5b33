// `node --import tsx --import ./bench/lib/sources.mjs …`: see sources-hooks.mjs.
import { register } from 'node:module'

register('./sources-hooks.mjs', import.meta.url)
