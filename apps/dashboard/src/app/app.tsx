export function App() {
  return (
    <main className="mx-auto max-w-3xl p-8 font-sans text-slate-900">
      <h1 className="text-2xl font-semibold">Urumi</h1>
      <p className="mt-2 text-slate-600">Isolated e-commerce stores on Kubernetes, one click each.</p>
    </main>
  );
}
