// tap coverage map: coverage is measured on the service's own code, src/, whatever else a test
// loads. Without it, the client code generated during the tests (test/.generated, git-ignored)
// would count as project code.
export default () => 'src/**/*.ts';
