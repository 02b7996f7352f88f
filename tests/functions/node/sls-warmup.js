// Two handlers written as serverless-plugin-warmup's README shows them: one checks the event, one the
// client context the plugin's warmer sends. The README writes the second as `context.custom.source`;
// the Node runtime client puts the client context at `context.clientContext`, so that is where a
// working handler reads it.
exports.byEvent = async (event, context) => {
  /** Immediate response for WarmUp plugin */
  if (event.source === 'serverless-plugin-warmup') {
    console.log('WarmUp - Lambda is warm!');
    return 'Lambda is warm!';
  }
  // ... function logic: here it fails, so that a ping that reached it shows as a function error.
  throw new Error('the function logic ran');
};

exports.byClientContext = async (event, context) => {
  /** Immediate response for WarmUp plugin */
  const custom = context.clientContext && context.clientContext.custom;
  if (custom && custom.source === 'serverless-plugin-warmup') {
    console.log('WarmUp - Lambda is warm!');
    return 'Lambda is warm!';
  }
  // ... function logic: here it fails, so that a ping that reached it shows as a function error.
  throw new Error('the function logic ran');
};
