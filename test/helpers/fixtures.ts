/**
 * Directory fixtures for tests: the sample médecin of ../shared/reference/samples/userinfo-medecin.json
 * (the same record the demo seeds) under any national id, and a helper for extra activities.
 */
export { activity, sampleMedecin as medecin } from '../../src/directory/seed-demo.js';
