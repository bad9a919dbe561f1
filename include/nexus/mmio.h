/*
 * nexus/mmio.h - a driver's loads and stores of its device's registers,
 * through the mapping device_map made (nexus/device.h). On RISC-V a
 * volatile access of the width asked for (the mapping is device memory:
 * no access is merged, split or dropped); in the simulator the same call
 * reaches the device model (sim/devices.c). A bad access faults the
 * driver's task on both.
 */
#ifndef NEXUS_MMIO_H
#define NEXUS_MMIO_H

#include <stdint.h>

#ifdef NX_SIM
uint64_t nx_sim_mmio_read(uintptr_t va, uint32_t width);
void nx_sim_mmio_write(uintptr_t va, uint32_t width, uint64_t value);
#define NX_MMIO_READ(type, va)       ((type)nx_sim_mmio_read((va), sizeof(type)))
#define NX_MMIO_WRITE(type, va, val) nx_sim_mmio_write((va), sizeof(type), (uint64_t)(val))
#else
#define NX_MMIO_READ(type, va)       (*(volatile type *)(va))
#define NX_MMIO_WRITE(type, va, val) ((void)(*(volatile type *)(va) = (type)(val)))
#endif

static inline uint8_t nx_mmio_read8(uintptr_t va)
{
    return NX_MMIO_READ(uint8_t, va);
}

static inline uint32_t nx_mmio_read32(uintptr_t va)
{
    return NX_MMIO_READ(uint32_t, va);
}

static inline void nx_mmio_write8(uintptr_t va, uint8_t v)
{
    NX_MMIO_WRITE(uint8_t, va, v);
}

static inline void nx_mmio_write32(uintptr_t va, uint32_t v)
{
    NX_MMIO_WRITE(uint32_t, va, v);
}

#endif /* NEXUS_MMIO_H */
