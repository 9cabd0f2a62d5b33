// `koa2` is Koa 2 installed under another name (`npm:koa@^2`) so both majors are tested.
// @types/koa describes Koa 3; the parts these tests use are the same in 2.
declare module 'koa2' {
  import Koa from 'koa'
  export default Koa
}
