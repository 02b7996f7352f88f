namespace WarmKeeper.TestFunction; internal static class Program { private static int Main() => 0; }
