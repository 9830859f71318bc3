// Entities in memory, by collection: the mock's memory store keeps them here, and so does the
// suites' oracle (the entities a profile declares). One implementation of the EntityStore
// interface for both.
import type { Collection, Entity, EntityStore, EntityWrite } from './store-types.js';

export class MemoryEntityStore implements EntityStore {
  private readonly collections = new Map<Collection, Map<string, Entity>>();

  private collection(name: Collection): Map<string, Entity> {
    let c = this.collections.get(name);
    if (c === undefined) this.collections.set(name, (c = new Map()));
    return c;
  }

  get(collection: Collection, id: string): Entity | undefined {
    return this.collection(collection).get(id);
  }

  all(collection: Collection): readonly Entity[] {
    return [...this.collection(collection).values()];
  }

  putAll(writes: readonly EntityWrite[]): void {
    for (const { collection, entity } of writes) this.put(collection, entity);
  }

  put(collection: Collection, entity: Entity): void {
    this.collection(collection).set(entity.id, entity);
  }

  clear(): void {
    this.collections.clear();
  }
}
