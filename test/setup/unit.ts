/**
 * Setup of every file in the unit project: no test may reach the network. nock answers the HTTP calls a test
 * declares and refuses every other one (loopback included) with a NetConnectNotAllowedError, so a unit test that
 * quietly needs a server fails instead of passing only where that server happens to run.
 */
import nock from 'nock';
import { afterEach } from 'vitest';

nock.disableNetConnect();

// A test's interceptors end with it: one test's unused mock must not answer the next test's call.
afterEach(() => {
  nock.cleanAll();
});
