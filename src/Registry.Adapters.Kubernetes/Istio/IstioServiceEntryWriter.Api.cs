using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Registry.Adapters.Kubernetes.Istio;

public sealed partial class IstioServiceEntryWriter
{
    private async Task<List<JsonObject>> ListAsync(string plural, string syncId, CancellationToken cancellationToken)
    {
        var selector = $"{KubernetesOwnership.ManagedByLabel}={KubernetesOwnership.ManagedByValue},{KubernetesOwnership.SyncIdLabel}={syncId}";
        object list;
        try
        {
            list = await Client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, _namespace, plural, labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw new RegistryException($"listing {plural}.{Group} in namespace {_namespace} failed: HTTP {(int)ex.Response.StatusCode}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RegistryException($"listing {plural}.{Group} in namespace {_namespace} failed: {ex.Message}", ex);
        }

        var items = JsonNode.Parse(KubernetesJson.Serialize(list))?["items"] as JsonArray ?? [];
        return [.. items.OfType<JsonObject>()];
    }

    /// <summary>Why an existing object of that name may not be touched, or null when there is none or it is ours.</summary>
    private async Task<string?> ReadForeignAsync(string plural, string name, string syncId, CancellationToken cancellationToken)
    {
        try
        {
            var existing = JsonNode.Parse(KubernetesJson.Serialize(await Client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, _namespace, plural, name, cancellationToken).ConfigureAwait(false)));
            var labels = existing?["metadata"]?["labels"] as JsonObject;
            return labels?[KubernetesOwnership.ManagedByLabel]?.GetValue<string>() == KubernetesOwnership.ManagedByValue
                && labels[KubernetesOwnership.SyncIdLabel]?.GetValue<string>() == syncId
                ? null
                : $"a {plural}.{Group} named '{name}' exists in namespace {_namespace} without this sync's ownership labels; it is left alone";
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (HttpOperationException ex)
        {
            throw new RegistryException($"reading {plural}.{Group} {_namespace}/{name} failed: HTTP {(int)ex.Response.StatusCode}", ex);
        }
    }

    /// <summary>Server-side apply without force; a conflict or an invalid object is the reason returned, other failures throw.</summary>
    private async Task<string?> ApplyObjectAsync(string plural, string name, JsonObject obj, CancellationToken cancellationToken)
    {
        try
        {
            await Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(obj.ToJsonString(), V1Patch.PatchType.ApplyPatch), Group, Version, _namespace, plural, name,
                fieldManager: FieldManager, force: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity)
        {
            var message = JsonNode.Parse(ex.Response.Content)?["message"]?.GetValue<string>() ?? ex.Message;
            return $"{plural}.{Group} {_namespace}/{name} was refused: {ServiceInstanceValidator.Printable(message, 200)}";
        }
        catch (HttpOperationException ex)
        {
            throw new RegistryException($"applying {plural}.{Group} {_namespace}/{name} failed: HTTP {(int)ex.Response.StatusCode}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RegistryException($"applying {plural}.{Group} {_namespace}/{name} failed: {ex.Message}", ex);
        }
    }

    /// <summary>Deletes an owned object, after checking it still carries this sync id, conditional on the version read.</summary>
    private async Task DeleteObjectAsync(OwnedObject owned, string syncId, CancellationToken cancellationToken)
    {
        try
        {
            var existing = JsonNode.Parse(KubernetesJson.Serialize(await Client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, _namespace, owned.Plural, owned.Name, cancellationToken).ConfigureAwait(false)));
            if (existing?["metadata"]?["labels"]?[KubernetesOwnership.SyncIdLabel]?.GetValue<string>() != syncId)
            {
                return;
            }

            var options = new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = existing["metadata"]!["resourceVersion"]!.GetValue<string>() } };
            await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, _namespace, owned.Plural, owned.Name, body: options, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            // Gone already, or changed since it was read: the next pass lists again.
        }
        catch (HttpOperationException ex)
        {
            throw new RegistryException($"deleting {owned.Plural}.{Group} {_namespace}/{owned.Name} failed: HTTP {(int)ex.Response.StatusCode}", ex);
        }
    }
}
