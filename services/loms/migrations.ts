// Moved to services/lab-d/loms/migrations.ts. This re-export keeps tests/integration/console-outbox-observer.test.ts
// (owned by the console's maintainers) compiling until it imports the new path; delete it then.
export * from '../lab-d/loms/migrations.js';
