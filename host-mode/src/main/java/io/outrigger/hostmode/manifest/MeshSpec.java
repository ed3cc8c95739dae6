package io.outrigger.hostmode.manifest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the user asked the mesh to run: every object applied and not deleted, by kind, namespace and
 * name. Immutable: {@link #apply} and {@link #delete} return a new spec, so a change that fails
 * validation leaves the one in force untouched.
 */
public final class MeshSpec {
  private final Map<KubeObject.Key, KubeObject> objects;

  private MeshSpec(Map<KubeObject.Key, KubeObject> objects) {
    this.objects = objects;
  }

  public static MeshSpec empty() {
    return new MeshSpec(Map.of());
  }

  /**
   * This spec with the objects added or replaced; an object given twice in one change is an error.
   */
  public MeshSpec apply(List<KubeObject> changes, List<String> errors) {
    Map<KubeObject.Key, KubeObject> next = new LinkedHashMap<>(objects);
    Map<KubeObject.Key, KubeObject> seen = new LinkedHashMap<>();
    for (KubeObject object : changes) {
      KubeObject first = seen.putIfAbsent(object.key(), object);
      if (first != null) {
        errors.add(
            object.describe()
                + ": defined twice ("
                + first.source()
                + " and "
                + object.source()
                + ")");
      }
      next.put(object.key(), object);
    }
    return new MeshSpec(next);
  }

  /** This spec without the objects; deleting what does not exist is an error, as with kubectl. */
  public MeshSpec delete(List<KubeObject> removals, List<String> errors) {
    Map<KubeObject.Key, KubeObject> next = new LinkedHashMap<>(objects);
    for (KubeObject object : removals) {
      if (next.remove(object.key()) == null) {
        errors.add(object.describe() + ": not found in the mesh (" + object.source() + ")");
      }
    }
    return new MeshSpec(next);
  }

  public Collection<KubeObject> objects() {
    return objects.values();
  }

  public List<KubeObject> ofKind(String kind) {
    List<KubeObject> out = new ArrayList<>();
    objects.values().stream().filter(o -> o.kind().equals(kind)).forEach(out::add);
    return out;
  }

  public boolean has(String kind, String namespace, String name) {
    return objects.containsKey(new KubeObject.Key(kind, namespace, name));
  }

  public KubeObject get(String kind, String namespace, String name) {
    return objects.get(new KubeObject.Key(kind, namespace, name));
  }
}
