/*
 * bundle.c - the boot bundle: the selftest programs (tests/programs), each
 * an ELF image linked into the kernel (bundle_images.S, generated), handed
 * to init by nx_port_boot_programs(). Plus one image init must refuse.
 */
#include "nexus/sched.h"
#include "nexus/syscall.h"
#include "nx/kernel.h"
#include "nx/port.h"

#define NX_BUNDLE(name, qos, expect)                                                               \
    extern const unsigned char nx_image_##name[], nx_image_##name##_end[];
#include "bundle.def"
NX_BUNDLE(wx_refused, NX_QOS_NORMAL, 0)
#undef NX_BUNDLE

static const struct {
    const char *name;
    const unsigned char *start, *end;
    nx_qos_t qos;
    int32_t expect_exit;
    bool expect_refused;
} bundle[] = {
#define NX_BUNDLE(name, qos, expect)                                                               \
    { #name, nx_image_##name, nx_image_##name##_end, qos, expect, false },
#include "bundle.def"
#undef NX_BUNDLE
    { "wx_refused", nx_image_wx_refused, nx_image_wx_refused_end, NX_QOS_NORMAL, 0, true },
};

uint32_t nx_port_boot_programs(nx_port_program_t *out, uint32_t max)
{
    uint32_t n = 0;
    for (; n < sizeof bundle / sizeof bundle[0] && n < max; n++) {
        out[n].name = bundle[n].name;
        out[n].image = bundle[n].start;
        out[n].image_size = (size_t)(bundle[n].end - bundle[n].start);
        out[n].entry = 0;
        out[n].arg = 0;
        out[n].qos = (uint32_t)bundle[n].qos;
        out[n].affinity = 0;
        out[n].policy = false;
        out[n].expect_exit = bundle[n].expect_exit;
        out[n].expect_refused = bundle[n].expect_refused;
    }
    return n;
}
