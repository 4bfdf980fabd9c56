using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Catalog;

public sealed class ServiceMapTests
{
    private static MeshService Service(string name, int marker = 0) =>
        new(name, [], marker == 0 ? MergePolicy.Union : MergePolicy.Priority);

    [Fact]
    public void SetItemAndRemove_RandomOperations_MatchDictionaryAndOldVersionsUnchanged()
    {
        var random = new Random(42);
        var map = ServiceMap.Empty;
        var model = new Dictionary<string, MeshService>(StringComparer.OrdinalIgnoreCase);
        var history = new List<(ServiceMap Map, Dictionary<string, MeshService> Model)>();
        for (var step = 0; step < 20_000; step++)
        {
            var name = $"svc-{random.Next(3_000)}";
            if (random.Next(3) == 0)
            {
                map = map.Remove(random.Next(2) == 0 ? name : name.ToUpperInvariant());
                model.Remove(name);
            }
            else
            {
                var service = Service(name, random.Next(2));
                map = map.SetItem(service);
                model[name] = service;
            }

            map.Count.ShouldBe(model.Count);
            if (step % 2_000 == 0)
            {
                history.Add((map, new Dictionary<string, MeshService>(model, StringComparer.OrdinalIgnoreCase)));
            }
        }

        history.Add((map, model));
        foreach (var (version, expected) in history)
        {
            AssertSame(version, expected);
        }
    }

    [Fact]
    public void Find_AnyCase_SameService()
    {
        var service = Service("orders");
        var map = ServiceMap.Empty.SetItem(service).SetItem(Service("billing"));

        map.Find("ORDERS").ShouldBeSameAs(service);
        map.Find("Orders").ShouldBeSameAs(service);
        map.Find("order").ShouldBeNull();
    }

    [Fact]
    public void SetItem_SameNameOtherCase_Replaces()
    {
        var map = ServiceMap.Empty.SetItem(Service("orders")).SetItem(Service("ORDERS", 1));

        map.Count.ShouldBe(1);
        map.Find("orders")!.Name.ShouldBe("ORDERS");
    }

    [Fact]
    public void Remove_Absent_ReturnsSameMap()
    {
        var map = ServiceMap.Empty.SetItem(Service("orders"));

        map.Remove("billing").ShouldBeSameAs(map);
    }

    [Fact]
    public void FullHashCollisions_SetFindRemoveWork()
    {
        var (first, second) = FindCollision();
        var third = Service("bystander");
        var a = Service(first);
        var b = Service(second);

        var map = ServiceMap.Empty.SetItem(a).SetItem(third).SetItem(b);

        map.Count.ShouldBe(3);
        map.Find(first).ShouldBeSameAs(a);
        map.Find(second).ShouldBeSameAs(b);
        map.Find(first.ToUpperInvariant()).ShouldBeSameAs(a);
        var replaced = Service(second, 1);
        map.SetItem(replaced).Find(second).ShouldBeSameAs(replaced);
        var without = map.Remove(first);
        without.Count.ShouldBe(2);
        without.Find(first).ShouldBeNull();
        without.Find(second).ShouldBeSameAs(b);
        without.Remove(second).Remove("bystander").Count.ShouldBe(0);
        map.Find(first).ShouldBeSameAs(a);
    }

    [Fact]
    public void SetItem_OneChangeIn100k_SharesEverythingElse()
    {
        var map = ServiceMap.Empty;
        for (var i = 0; i < 100_000; i++)
        {
            map = map.SetItem(Service($"svc-{i}"));
        }

        var updated = map.SetItem(Service("svc-5", 1));

        updated.Find("svc-6").ShouldBeSameAs(map.Find("svc-6"));
        updated.Find("svc-5").ShouldNotBeSameAs(map.Find("svc-5"));
        updated.Count.ShouldBe(100_000);
    }

    private static void AssertSame(ServiceMap map, Dictionary<string, MeshService> model)
    {
        map.Count.ShouldBe(model.Count);
        foreach (var (name, service) in model)
        {
            map.Find(name).ShouldBeSameAs(service);
        }

        var all = new List<MeshService>();
        map.CopyTo(all);
        all.Select(static s => s.Name).Order(StringComparer.Ordinal).ShouldBe(model.Keys.Order(StringComparer.Ordinal));
        for (var i = 0; i < 3_000; i++)
        {
            if (!model.ContainsKey($"svc-{i}"))
            {
                map.Find($"svc-{i}").ShouldBeNull();
            }
        }
    }

    /// <summary>Two names with the same 32-bit hash (birthday search; the hash is randomized per process).</summary>
    private static (string First, string Second) FindCollision()
    {
        var seen = new Dictionary<uint, string>();
        for (var i = 0; ; i++)
        {
            var name = $"n{i}";
            if (seen.TryGetValue(NameHash.Of(name), out var other))
            {
                return (other, name);
            }

            seen.Add(NameHash.Of(name), name);
        }
    }
}
