using System.Diagnostics.CodeAnalysis;

namespace Registry.Adapters;

/// <summary>
/// Writes mirrored instances into a registry: the target side of <c>mesh-sync sync</c>.
/// </summary>
/// <remarks>
/// <para>
/// A registry that can be written implements this interface beside <see cref="IServiceRegistry"/>: the sync
/// obtains the writer of a configured registry with <c>registry as IServiceRegistryWriter</c> (a registry that does
/// not implement it cannot be a target). The writer lives and is disposed with its registry. Disposing never
/// removes written records (a restarted sync must find them again); a backend whose records expire on their own
/// (an etcd lease, a Eureka heartbeat) lets them expire.
/// </para>
/// <para>
/// Ownership: every instance the writer stores carries <see cref="SyncMetadata.SyncIdKey"/> and
/// <see cref="SyncMetadata.OriginKey"/> (read back in <see cref="ServiceInstance.Metadata"/> through the same
/// backend's <see cref="IServiceRegistry"/>, and by <see cref="ListOwnedAsync"/>). A writer never changes or deletes
/// a record that does not carry the batch's sync id, whatever the batch asks.
/// </para>
/// <para>
/// A writer trusts nothing in a batch: <see cref="ApplyAsync"/> validates and normalizes every instance it is given.
/// It may skip only the second normalization of an instance that is the very object its own <see cref="TryNormalize"/>
/// returned (recognised by reference, never by equality, and unchangeable since).
/// </para>
/// <para>
/// The writer may remember what it listed and wrote (to write only what differs); the sync calls
/// <see cref="ListOwnedAsync"/> before its first <see cref="ApplyAsync"/> and on every drift repair.
/// </para>
/// </remarks>
public interface IServiceRegistryWriter
{
    /// <summary>The registry's configured name (the same as its <see cref="IServiceRegistry.Name"/>).</summary>
    string Name { get; }

    /// <summary>The registry kind (<c>etcd</c>, <c>consul</c>, <c>eureka</c>, <c>file</c>, …).</summary>
    string Kind { get; }

    /// <summary>
    /// Checks that the target can hold <paramref name="desired"/> and returns it as the target stores it, that is, as
    /// <see cref="ListOwnedAsync"/> will return it after <see cref="ApplyAsync"/> wrote it (a target that has no
    /// named ports, zones or some health values maps them). The sync compares owned records with normalized desired
    /// ones, so identical content is zero writes.
    /// </summary>
    /// <param name="desired">A desired instance, already marked (<see cref="SyncMetadata.Mark"/>).</param>
    /// <param name="stored">The instance as stored, when the target can hold it.</param>
    /// <param name="reason">Why the target cannot hold it (a name the target's keys, paths or URLs do not allow), printable.</param>
    /// <returns><see langword="true"/> when the target can hold the instance.</returns>
    bool TryNormalize(ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason);

    /// <summary>
    /// Lists every record of the target that carries <paramref name="syncId"/>, by target service name, and the services
    /// whose stored objects drifted from what the sync wrote (<see cref="OwnedRecords.Drifted"/>): the sync writes those
    /// again whole, and <see cref="ApplyAsync"/> then rewrites their objects even where the instances compare equal.
    /// </summary>
    /// <param name="syncId">The sync id (<see cref="SyncMetadata.ValidateSyncId"/>).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The owned records; never a partial list (a failed read throws).</returns>
    /// <exception cref="RegistryException">The target could not be read.</exception>
    Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes the records this sync owns of each service of the batch equal to the batch's desired set: creates and
    /// updates first, deletes last; an empty set removes what the sync owns of that service. Services absent from the
    /// batch are not touched. Invalid instances are rejected (reported, not written); the rest is applied.
    /// </summary>
    /// <param name="batch">The desired state of some services.</param>
    /// <param name="cancellationToken">Cancels the write; what was already written stays written.</param>
    /// <returns>What was written.</returns>
    /// <exception cref="WriteFenceLostException">The batch's <see cref="WriteBatch.Fence"/> no longer holds; nothing of the failed request was written.</exception>
    /// <exception cref="RegistryException">The target refused or could not be reached; the next pass retries.</exception>
    Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken = default);
}
