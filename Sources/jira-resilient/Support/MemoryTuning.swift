import Glibc

/// Tunes glibc's allocator for a long scan, before any thread exists.
///
/// A scan moves 10 MB hub payloads through several threads. With glibc's defaults each thread
/// may get its own arena (up to 8 per core), and after the first large block is freed the
/// mmap threshold rises to its size, so later payloads come from those arenas and their pages
/// stay resident. Two arenas and a fixed 4 MiB threshold (large payloads are mapped, and
/// returned on free) took peak RSS on the 100,000-issue benchmark from 139 MB to 121 MB with no
/// CPU cost (README). `MALLOC_ARENA_MAX` or `MALLOC_MMAP_THRESHOLD_` in the environment win.
enum MemoryTuning {
    /// `M_ARENA_MAX` and `M_MMAP_THRESHOLD` from `<malloc.h>`, which Swift's Glibc module omits.
    private static let arenaMax: Int32 = -8, mmapThreshold: Int32 = -3
    private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32

    static func apply() {
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        if getenv("MALLOC_ARENA_MAX") == nil { _ = mallopt(arenaMax, 2) }
        if getenv("MALLOC_MMAP_THRESHOLD_") == nil { _ = mallopt(mmapThreshold, 4 << 20) }
    }
}
