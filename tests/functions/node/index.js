// An ordinary Lambda handler, as a user would deploy it: nothing in it knows about WarmKeeper.
// What it does is chosen by the event, so one function covers the behaviours the tests look at.
exports.handler = async (event, context) => {
  if (event.log) {
    console.log(event.log);
  }
  if (event.env) {
    const env = {};
    for (const name of event.env) {
      env[name] = process.env[name] ?? null;
    }
    return { env, all: Object.keys(process.env).sort() };
  }
  if (event.context) {
    return {
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      awsRequestId: context.awsRequestId,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
      remainingTimeInMillis: context.getRemainingTimeInMillis(),
      pid: process.pid,
    };
  }
  if (event.allocateMb) {
    // Touched, so it is resident: REPORT's Max Memory Used must see it.
    const block = Buffer.alloc(event.allocateMb * 1024 * 1024, 1);
    return { pid: process.pid, allocated: block.length };
  }
  if (event.exitCode !== undefined) {
    process.exit(event.exitCode);
  }
  if (event.exitAfterAnswer) {
    // The process ends while the environment is idle. Not by a timer: the runtime client's wait for the
    // next event blocks node's event loop, so a helper process ends it after the answer is out.
    require('child_process')
      .spawn('/bin/sh', ['-c', `sleep 0.3; kill ${process.pid}`], { detached: true, stdio: 'ignore' })
      .unref();
    return { pid: process.pid };
  }
  if (event.fail) {
    throw new TypeError(event.fail);
  }
  if (event.sleepMs) {
    await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  }
  if (event.responseBytes) {
    return 'x'.repeat(event.responseBytes);
  }
  return { pid: process.pid, event };
};
