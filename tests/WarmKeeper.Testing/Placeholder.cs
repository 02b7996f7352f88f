namespace WarmKeeper.Testing; public static class Placeholder;
