// Types for kafkajs' protocol error table (kafkajs/src/protocol/error.js), which its own typings do not declare.
declare module 'kafkajs/src/protocol/error.js' {
  const protocol: {
    errorCodes: readonly { type: string; code: number; retriable: boolean; message: string }[];
  };
  export default protocol;
}
