/*
 * dtb.c - the simulated machine's device tree, shaped like QEMU virt's.
 *
 * Same node names, addresses, interrupt numbers and phandle wiring as
 * `qemu-system-riscv64 -machine virt` (7.2), so the one parser in core/ sees
 * the same shapes on both ports. Written with libfdt's sequential-write API.
 */
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "nxsim/sim.h"
#include "virt.h"

#define RISCV_IRQ_M_EXT 11u
#define RISCV_IRQ_S_EXT 9u

#define PHANDLE_PLIC 1u
#define PHANDLE_TEST 2u
/* cpu i: phandle 16 + 2i, its interrupt controller 17 + 2i */
#define PHANDLE_CPU(i)  (16u + 2u * (i))
#define PHANDLE_INTC(i) (17u + 2u * (i))

/* Any libfdt error ends the build; `err` is checked once at the end. */
#define TRY(call)                                                                                  \
    do {                                                                                           \
        if (err == 0)                                                                              \
            err = (call);                                                                          \
    } while (0)

static int reg2(void *fdt, uint64_t base, uint64_t size)
{
    fdt64_t cells[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };
    return fdt_property(fdt, "reg", cells, sizeof cells);
}

static int begin_at(void *fdt, const char *name, uint64_t addr)
{
    char node[64];
    snprintf(node, sizeof node, "%s@%llx", name, (unsigned long long)addr);
    return fdt_begin_node(fdt, node);
}

static int cpus(void *fdt, uint32_t harts)
{
    int err = 0;
    TRY(fdt_begin_node(fdt, "cpus"));
    TRY(fdt_property_u32(fdt, "#address-cells", 1));
    TRY(fdt_property_u32(fdt, "#size-cells", 0));
    TRY(fdt_property_u32(fdt, "timebase-frequency", NX_SIM_TIMEBASE_HZ));
    for (uint32_t i = 0; i < harts; i++) {
        TRY(begin_at(fdt, "cpu", i));
        TRY(fdt_property_u32(fdt, "phandle", PHANDLE_CPU(i)));
        TRY(fdt_property_string(fdt, "device_type", "cpu"));
        TRY(fdt_property_u32(fdt, "reg", i));
        TRY(fdt_property_string(fdt, "status", "okay"));
        TRY(fdt_property_string(fdt, "compatible", "riscv"));
        TRY(fdt_property_string(fdt, "riscv,isa", "rv64imac_zicsr_zifencei_sstc"));
        TRY(fdt_property_string(fdt, "mmu-type", "riscv,sv39"));
        TRY(fdt_begin_node(fdt, "interrupt-controller"));
        TRY(fdt_property_u32(fdt, "#interrupt-cells", 1));
        TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
        TRY(fdt_property_string(fdt, "compatible", "riscv,cpu-intc"));
        TRY(fdt_property_u32(fdt, "phandle", PHANDLE_INTC(i)));
        TRY(fdt_end_node(fdt));
        TRY(fdt_end_node(fdt));
    }
    TRY(fdt_end_node(fdt));
    return err;
}

static int soc(void *fdt, uint32_t harts)
{
    static const char test_compat[] = "sifive,test1\0sifive,test0\0syscon";
    static const char plic_compat[] = "sifive,plic-1.0.0\0riscv,plic0";
    int err = 0;
    TRY(fdt_begin_node(fdt, "soc"));
    TRY(fdt_property_u32(fdt, "#address-cells", 2));
    TRY(fdt_property_u32(fdt, "#size-cells", 2));
    TRY(fdt_property_string(fdt, "compatible", "simple-bus"));
    TRY(fdt_property(fdt, "ranges", NULL, 0));

    TRY(begin_at(fdt, "serial", VIRT_UART_BASE));
    TRY(fdt_property_u32(fdt, "interrupts", VIRT_UART_IRQ));
    TRY(fdt_property_u32(fdt, "interrupt-parent", PHANDLE_PLIC));
    TRY(fdt_property_u32(fdt, "clock-frequency", VIRT_UART_CLOCK_HZ));
    TRY(reg2(fdt, VIRT_UART_BASE, VIRT_UART_SIZE));
    TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
    TRY(fdt_end_node(fdt));

    TRY(begin_at(fdt, "test", VIRT_TEST_BASE));
    TRY(fdt_property_u32(fdt, "phandle", PHANDLE_TEST));
    TRY(reg2(fdt, VIRT_TEST_BASE, 0x1000));
    TRY(fdt_property(fdt, "compatible", test_compat, sizeof test_compat));
    TRY(fdt_end_node(fdt));

    /* QEMU lists the virtio slots from the highest address down. */
    for (uint32_t i = VIRT_VIRTIO_COUNT; i-- > 0u;) {
        uint64_t base = VIRT_VIRTIO_BASE + VIRT_VIRTIO_SIZE * i;
        TRY(begin_at(fdt, "virtio_mmio", base));
        TRY(fdt_property_u32(fdt, "interrupts", VIRT_VIRTIO_IRQ(i)));
        TRY(fdt_property_u32(fdt, "interrupt-parent", PHANDLE_PLIC));
        TRY(reg2(fdt, base, VIRT_VIRTIO_SIZE));
        TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
        TRY(fdt_end_node(fdt));
    }

    /* Contexts 2i and 2i+1: hart i's M-mode and S-mode external interrupts. */
    fdt32_t links[4u * NX_SIM_MAX_HARTS];
    for (uint32_t i = 0; i < harts; i++) {
        links[4u * i + 0u] = cpu_to_fdt32(PHANDLE_INTC(i));
        links[4u * i + 1u] = cpu_to_fdt32(RISCV_IRQ_M_EXT);
        links[4u * i + 2u] = cpu_to_fdt32(PHANDLE_INTC(i));
        links[4u * i + 3u] = cpu_to_fdt32(RISCV_IRQ_S_EXT);
    }
    TRY(begin_at(fdt, "plic", VIRT_PLIC_BASE));
    TRY(fdt_property_u32(fdt, "phandle", PHANDLE_PLIC));
    TRY(fdt_property_u32(fdt, "riscv,ndev", VIRT_PLIC_NDEV));
    TRY(reg2(fdt, VIRT_PLIC_BASE, VIRT_PLIC_SIZE));
    TRY(fdt_property(fdt, "interrupts-extended", links, (int)(16u * harts)));
    TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
    TRY(fdt_property(fdt, "compatible", plic_compat, sizeof plic_compat));
    TRY(fdt_property_u32(fdt, "#address-cells", 0));
    TRY(fdt_property_u32(fdt, "#interrupt-cells", 1));
    TRY(fdt_end_node(fdt));

    TRY(fdt_end_node(fdt));
    return err;
}

nx_status_t nx_sim_dtb_build(void *buf, size_t size, uint32_t harts, uint64_t memory_bytes,
                             const char *bootargs, size_t *out_size)
{
    if (buf == NULL || out_size == NULL || harts < 1u || harts > NX_SIM_MAX_HARTS ||
        memory_bytes == 0u || size > (size_t)INT32_MAX)
        return NX_ERR_INVALID_ARGS;
    int err = 0;
    TRY(fdt_create(buf, (int)size));
    TRY(fdt_finish_reservemap(buf));
    TRY(fdt_begin_node(buf, ""));
    TRY(fdt_property_u32(buf, "#address-cells", 2));
    TRY(fdt_property_u32(buf, "#size-cells", 2));
    TRY(fdt_property_string(buf, "compatible", "riscv-virtio"));
    TRY(fdt_property_string(buf, "model", "nexus-sim,virt"));

    TRY(fdt_begin_node(buf, "chosen"));
    TRY(fdt_property_string(buf, "stdout-path", "/soc/serial@10000000"));
    if (bootargs != NULL)
        TRY(fdt_property_string(buf, "bootargs", bootargs));
    TRY(fdt_end_node(buf));

    TRY(begin_at(buf, "memory", VIRT_DRAM_BASE));
    TRY(fdt_property_string(buf, "device_type", "memory"));
    TRY(reg2(buf, VIRT_DRAM_BASE, memory_bytes));
    TRY(fdt_end_node(buf));

    TRY(cpus(buf, harts));
    TRY(soc(buf, harts));
    TRY(fdt_end_node(buf));
    TRY(fdt_finish(buf));
    if (err == -FDT_ERR_NOSPACE)
        return NX_ERR_BUFFER_TOO_SMALL;
    if (err != 0)
        return NX_ERR_INTERNAL;
    *out_size = fdt_totalsize(buf);
    return NX_OK;
}
