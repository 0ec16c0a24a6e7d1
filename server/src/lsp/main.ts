import { startServer } from './server';

// A bug on one request must not end the session: log it and keep serving.
process.on('uncaughtException', (e) => console.error(`[daglens] uncaught: ${e.stack ?? e}`));
process.on('unhandledRejection', (e) => console.error(`[daglens] unhandled rejection: ${e instanceof Error ? e.stack : e}`));

startServer();
