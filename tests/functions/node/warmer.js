// A handler written as lambda-warmer's README shows: the warmer answers its own pings (and fans them
// out through the AWS SDK), every other event runs the function's code.
const warmer = require('lambda-warmer');

exports.handler = async (event, context) => {
  // A delay long enough that the fanned-out invocations overlap even on a slow machine.
  if (await warmer(event, { delay: 1500 }, context)) {
    return 'warmed';
  }
  return { pid: process.pid, ran: true };
};
