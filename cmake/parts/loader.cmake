# Object loader (src/loader): tests that load and run the test objects,
# the kernel differential harness over objects, and the CLI tests.
