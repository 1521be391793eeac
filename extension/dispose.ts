// Everything `activate` creates is added to one store and disposed once, in reverse order of creation (views
// before the session they read), by `deactivate` (after hexeditor's src/dispose.ts). Adding to a store that is
// already disposed disposes the newcomer at once, so a late registration cannot leak.
export interface Disposable {
  dispose(): unknown;
}

export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  add<T extends Disposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.push(item);
    return item;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    for (const item of this.items.splice(0).reverse()) {
      try {
        item.dispose();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} disposables failed`);
  }
}
