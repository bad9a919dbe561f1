/* A hart id is not an IRQ id. */
#include "nexus/types.h"
void route(nx_irq_id_t irq, nx_hart_id_t hart);
void f(nx_hart_id_t hart, nx_irq_id_t irq);
void f(nx_hart_id_t hart, nx_irq_id_t irq)
{
    route(hart, irq);
}
