using System.Net.Http.Headers;
using k8s.Authentication;

namespace Registry.Adapters.Kubernetes;

/// <summary>
/// The in-cluster bearer token, read from the projected service-account file and read again once
/// <c>reloadInterval</c> has passed, because the kubelet rotates it (about every 48 minutes, valid for an hour).
/// KubernetesClient's own <c>TokenFileAuth</c> does the same against the wall clock and a fixed path; this one
/// takes its path and clock from the options so that rotation can be tested.
/// </summary>
internal sealed class ServiceAccountTokenProvider : ITokenProvider
{
    private readonly string _tokenFile;
    private readonly TimeSpan _reloadInterval;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private string? _token;
    private DateTimeOffset _reloadAt;

    public ServiceAccountTokenProvider(string tokenFile, TimeSpan reloadInterval, TimeProvider timeProvider)
    {
        _tokenFile = tokenFile;
        _reloadInterval = reloadInterval;
        _timeProvider = timeProvider;
    }

    /// <summary>How many times the file was read; for tests.</summary>
    public int Reads { get; private set; }

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        string? token;
        lock (_gate)
        {
            token = _token is not null && now < _reloadAt ? _token : null;
        }

        if (token is null)
        {
            string read;
            try
            {
                read = (await File.ReadAllTextAsync(_tokenFile, cancellationToken).ConfigureAwait(false)).Trim();
                Registry.Adapters.Backends.SecretScrubber.Register(read);
            }
            catch (IOException ex)
            {
                throw new RegistryException($"Cannot read the service-account token file {_tokenFile}: {ex.GetType().Name}.", null) { IsPermanent = true };
            }
            catch (UnauthorizedAccessException)
            {
                throw new RegistryException($"Cannot read the service-account token file {_tokenFile}: access denied.", null) { IsPermanent = true };
            }

            lock (_gate)
            {
                _token = read;
                _reloadAt = now + _reloadInterval;
                Reads++;
            }

            token = read;
        }

        return new AuthenticationHeaderValue("Bearer", token);
    }
}
