using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Registry.Adapters.Kubernetes.Istio;

namespace Registry.Adapters.Kubernetes.Writer;

internal sealed partial class KubernetesServiceWriter
{
    private static string Qualified(string resource) => resource == Services ? Services : "endpointslices.discovery.k8s.io";

    private async Task<List<JsonObject>> ListAsync(string resource, string syncId, CancellationToken cancellationToken)
    {
        var selector = $"{KubernetesOwnership.ManagedByLabel}={KubernetesOwnership.ManagedByValue},{KubernetesOwnership.SyncIdLabel}={syncId}";
        object list;
        try
        {
            list = resource == Services
                ? await Client.CoreV1.ListNamespacedServiceAsync(_namespace, labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await Client.DiscoveryV1.ListNamespacedEndpointSliceAsync(_namespace, labelSelector: selector + $",{MirrorMapping.ManagedByLabel}={MirrorMapping.ControllerName}", cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw new RegistryException($"listing {Qualified(resource)} in namespace {_namespace} failed: HTTP {(int)ex.Response.StatusCode}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RegistryException($"listing {Qualified(resource)} in namespace {_namespace} failed: {ex.Message}", ex);
        }

        var items = JsonNode.Parse(KubernetesJson.Serialize(list))?["items"] as JsonArray ?? [];
        return [.. items.OfType<JsonObject>()];
    }

    private async Task<JsonObject?> GetAsync(string resource, string name, CancellationToken cancellationToken)
    {
        try
        {
            object item = resource == Services
                ? await Client.CoreV1.ReadNamespacedServiceAsync(name, _namespace, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await Client.DiscoveryV1.ReadNamespacedEndpointSliceAsync(name, _namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return JsonNode.Parse(KubernetesJson.Serialize(item)) as JsonObject;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (HttpOperationException ex)
        {
            throw new RegistryException($"reading {Qualified(resource)} {_namespace}/{name} failed: HTTP {(int)ex.Response.StatusCode}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RegistryException($"reading {Qualified(resource)} {_namespace}/{name} failed: {ex.Message}", ex);
        }
    }

    private static bool IsOurs(JsonObject? item, string syncId) =>
        item?["metadata"]?["labels"] is JsonObject labels
        && labels[KubernetesOwnership.ManagedByLabel]?.GetValue<string>() == KubernetesOwnership.ManagedByValue
        && labels[KubernetesOwnership.SyncIdLabel]?.GetValue<string>() == syncId;

    /// <summary>Why an existing object of that name may not be touched, or null when there is none or it is ours.</summary>
    private async Task<string?> ReadForeignAsync(string resource, string name, string syncId, CancellationToken cancellationToken) =>
        await GetAsync(resource, name, cancellationToken).ConfigureAwait(false) is { } existing && !IsOurs(existing, syncId)
            ? $"a {(resource == Services ? "Service" : "EndpointSlice")} named '{name}' exists in namespace {_namespace} without this sync's ownership labels; it is left alone"
            : null;

    /// <summary>Server-side apply without force; a conflict or an invalid object is the reason returned, other failures throw.</summary>
    private async Task<string?> ApplyObjectAsync(string resource, string name, JsonObject obj, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(obj.ToJsonString(), V1Patch.PatchType.ApplyPatch);
        try
        {
            if (resource == Services)
            {
                await Client.CoreV1.PatchNamespacedServiceAsync(patch, name, _namespace, fieldManager: FieldManager, force: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await Client.DiscoveryV1.PatchNamespacedEndpointSliceAsync(patch, name, _namespace, fieldManager: FieldManager, force: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            return null;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity)
        {
            string? message = null;
            try
            {
                message = JsonNode.Parse(ex.Response.Content)?["message"]?.GetValue<string>();
            }
            catch (System.Text.Json.JsonException)
            {
            }

            return $"{Qualified(resource)} {_namespace}/{name} was refused: {ServiceInstanceValidator.Printable(message ?? ex.Message, 200)}";
        }
        catch (HttpOperationException ex)
        {
            throw new RegistryException($"applying {Qualified(resource)} {_namespace}/{name} failed: HTTP {(int)ex.Response.StatusCode}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RegistryException($"applying {Qualified(resource)} {_namespace}/{name} failed: {ex.Message}", ex);
        }
    }

    /// <summary>Deletes an owned object, after checking it still carries this sync id, conditional on the version read.</summary>
    private async Task DeleteObjectAsync(OwnedObject owned, string syncId, CancellationToken cancellationToken)
    {
        var existing = await GetAsync(owned.Resource, owned.Name, cancellationToken).ConfigureAwait(false);
        if (!IsOurs(existing, syncId))
        {
            return;
        }

        var options = new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = existing!["metadata"]!["resourceVersion"]!.GetValue<string>() } };
        try
        {
            if (owned.Resource == Services)
            {
                await Client.CoreV1.DeleteNamespacedServiceAsync(owned.Name, _namespace, body: options, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await Client.DiscoveryV1.DeleteNamespacedEndpointSliceAsync(owned.Name, _namespace, body: options, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            // Gone already, or changed since it was read: the next pass lists again.
        }
        catch (HttpOperationException ex)
        {
            throw new RegistryException($"deleting {Qualified(owned.Resource)} {_namespace}/{owned.Name} failed: HTTP {(int)ex.Response.StatusCode}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RegistryException($"deleting {Qualified(owned.Resource)} {_namespace}/{owned.Name} failed: {ex.Message}", ex);
        }
    }
}
