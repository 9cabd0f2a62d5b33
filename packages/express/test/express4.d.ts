// `express4` is Express 4 installed under another name (`npm:express@^4`) so both majors are tested.
// @types/express describes Express 5; the parts these tests use are the same in 4.
declare module 'express4' {
  import express from 'express'
  export default express
}
