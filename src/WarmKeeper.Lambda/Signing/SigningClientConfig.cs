using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;

namespace WarmKeeper.Lambda.Signing;

/// <summary>
/// The minimum <see cref="ClientConfig"/> that <see cref="Amazon.Runtime.Internal.Auth.AWS4Signer"/>
/// and the SDK's credential resolvers consult: the signing region, the signing service name and the
/// endpoint. AWSSDK.Lambda (which would provide the real AmazonLambdaConfig) is not available, and
/// nothing else of the SDK's service-client machinery is used.
/// </summary>
internal sealed class SigningClientConfig : ClientConfig
{
    public SigningClientConfig(string region, Uri endpoint)
        : base(new DefaultConfigurationProvider([new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard }]))
    {
        AuthenticationRegion = region;
        AuthenticationServiceName = LambdaRequestSigner.SigningServiceName;
        ServiceURL = endpoint.ToString();
    }

    public override string ServiceVersion => "2015-03-31";

    public override string UserAgent => "WarmKeeper";

    public override string RegionEndpointServiceName => LambdaRequestSigner.SigningServiceName;

    public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters) => new(ServiceURL);
}
